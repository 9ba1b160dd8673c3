"""PATCH /shots/{id} and frame-exact split (reference-system §3.14)."""

from __future__ import annotations

import pytest

from tests.state import state_shots


@pytest.fixture
def shots(client, project):
    pid = project["id"]
    client.put(
        f"/projects/{pid}/save",
        json={
            "base_version": 1,
            "scenes": [{"id": "sc"}],
            "shots": [
                {
                    "id": "v1a",
                    "scene_id": "sc",
                    "index": 0,
                    "track_index": 0,
                    "start_frame": 0,
                    "num_frames": 121,
                    "trim_in": 10,
                    "trim_out": 11,
                },
                {"id": "v1b", "scene_id": "sc", "index": 1, "track_index": 0, "start_frame": 100, "num_frames": 49},
                {
                    "id": "v2",
                    "scene_id": "sc",
                    "index": 2,
                    "track_index": 1,
                    "start_frame": 40,
                    "num_frames": 97,
                    "timeline": [{"asset_id": "a1", "frame_index": 0, "strength": 0.7}],
                },
            ],
        },
    ).raise_for_status()
    return {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}


def test_patch_changes_named_fields_and_bumps_version(client, project, shots):
    r = client.patch("/shots/v1b", json={"prompt": "Rain on glass", "timeline": [{"asset_id": "z", "frame_index": 8}]})
    assert r.status_code == 200
    body = r.json()
    assert body["project_version"] == 3
    assert body["shot"]["prompt"] == "Rain on glass" and body["shot"]["num_frames"] == 49
    assert body["shot"]["timeline"] == [{"asset_id": "z", "url": None, "frame_index": 8, "strength": 1.0, "type": "image"}]


def test_patch_bad_input(client, shots):
    assert client.patch("/shots/v1b", json={}).status_code == 422
    assert "trim" in client.patch("/shots/v1b", json={"trim_in": 30, "trim_out": 19}).json()["detail"]
    assert client.patch("/shots/v1b", json={"video_url": "/etc/passwd"}).status_code == 422
    assert client.patch("/shots/nope", json={"prompt": "x"}).status_code == 404
    r = client.patch("/shots/v1b", json={"prompt": "x", "base_version": 1})
    assert r.status_code == 409 and r.json()["current"]["version"] == 2


def test_split_on_v1_is_frame_exact(client, shots):
    # v1a: 121 frames, trims 10/11 -> shows 100 frames [10, 110).
    r = client.post("/shots/v1a/split", json={"split_frame": 30})
    assert r.status_code == 200, r.text
    body = r.json()
    original, new = body["original_shot"], body["new_shot"]
    assert (original["trim_in"], original["trim_out"]) == (10, 121 - 40)
    assert (new["trim_in"], new["trim_out"]) == (40, 11)
    shown = lambda s: s["num_frames"] - s["trim_in"] - s["trim_out"]  # noqa: E731
    assert shown(original) + shown(new) == 100 and shown(original) == 30
    assert new["start_frame"] == original["start_frame"] + 30
    assert new["index"] == 1 and new["id"] != original["id"]
    assert new["video_url"] == original["video_url"] and new["prompt"] == original["prompt"]


def test_a_split_shot_keeps_its_transition_on_the_second_part(client, shots):
    assert client.patch("/shots/v1a", json={"transition": "  DISSOLVE TO:  ", "dual_dialogue": True}).status_code == 200
    body = client.post("/shots/v1a/split", json={"split_frame": 30}).json()
    original, new = body["original_shot"], body["new_shot"]
    assert (original["transition"], new["transition"]) == ("", "DISSOLVE TO:")  # the cut out of the shot
    assert original["dual_dialogue"] is new["dual_dialogue"] is True


def test_a_transition_is_one_short_line(client, shots):
    assert client.patch("/shots/v1a", json={"transition": "X" * 101}).status_code == 422
    assert client.patch("/shots/v1a", json={"transition": "CUT\nTO:"}).status_code == 422
    assert client.patch("/shots/v1a", json={"dual_dialogue": "yes"}).status_code == 422
    assert client.patch("/shots/v1a", json={"transition": "X" * 100}).json()["shot"]["transition"] == "X" * 100


def test_split_shifts_later_shots_of_the_scene(client, project, shots):
    client.post("/shots/v1a/split", json={"split_frame": 50})
    state = client.get(f"/projects/{project['id']}").json()
    order = sorted((s["index"], s["id"]) for s in state_shots(state))
    assert [i for i, _ in order] == [0, 1, 2, 3]
    assert order[0][1] == "v1a" and order[2][1] == "v1b" and order[3][1] == "v2"


def test_split_on_v2_moves_the_new_part_and_copies_conditioning(client, shots):
    body = client.post("/shots/v2/split", json={"split_frame": 48}).json()
    assert body["original_shot"]["start_frame"] == 40
    assert body["new_shot"]["start_frame"] == 88
    assert body["new_shot"]["track_index"] == 1
    assert body["new_shot"]["timeline"] == body["original_shot"]["timeline"]


@pytest.mark.parametrize("frame", [0, 100, 101, -3])
def test_split_outside_the_trimmed_range_is_422(client, shots, frame):
    r = client.post("/shots/v1a/split", json={"split_frame": frame})
    assert r.status_code == 422
    assert "split_frame" in r.json()["detail"]


def test_split_unknown_shot_is_404(client):
    assert client.post("/shots/nope/split", json={"split_frame": 3}).status_code == 404
