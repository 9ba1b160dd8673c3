"""Every write that changes a project takes base_version and answers 409 when it is stale."""

from __future__ import annotations

import io

from PIL import Image

from tests.state import state_shots


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_stale_patch_and_split_are_409_with_the_current_state(client, project):
    pid = project["id"]
    v = client.put(
        f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "a", "prompt": "mine", "num_frames": 49}]}
    ).json()["version"]
    other = client.patch("/shots/a", json={"prompt": "theirs", "base_version": v})
    assert other.status_code == 200
    stale = client.patch("/shots/a", json={"prompt": "mine again", "base_version": v})
    assert stale.status_code == 409 and stale.json()["current"]["shots"][0]["prompt"] == "theirs"
    stale = client.post("/shots/a/split", json={"split_frame": 10, "base_version": v})
    assert stale.status_code == 409
    ok = client.post("/shots/a/split", json={"split_frame": 10, "base_version": other.json()["project_version"]})
    assert ok.status_code == 200, ok.text


def test_a_forced_asset_delete_checks_base_version(client, project):
    pid = project["id"]
    asset = client.post("/upload", data={"project_id": pid}, files={"file": ("p.png", _png(), "image/png")}).json()
    v = client.put(
        f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "a", "media_asset_id": asset["id"]}]}
    ).json()["version"]
    client.patch("/shots/a", json={"prompt": "changed elsewhere"})
    r = client.delete(f"/assets/{asset['id']}", params={"force": True, "base_version": v})
    assert r.status_code == 409 and "current" in r.json()
    r = client.delete(f"/assets/{asset['id']}", params={"force": True, "base_version": v + 1})
    assert r.status_code == 200 and r.json()["project_version"] == v + 2


def test_stale_generate_advanced_is_409_with_the_current_state_and_queues_nothing(client, project):
    pid = project["id"]
    v = client.put(
        f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "a", "prompt": "mine", "num_frames": 49}]}
    ).json()["version"]
    assert client.patch("/shots/a", json={"prompt": "theirs", "base_version": v}).status_code == 200
    r = client.post(
        "/generate/advanced",
        json={"project_id": pid, "base_version": v, "shot_config": {"id": "a", "prompt": "mine again", "num_frames": 49}},
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "conflict"
    current = r.json()["current"]
    assert current["version"] == v + 1 and current["shots"][0]["prompt"] == "theirs"
    assert client.get(f"/projects/{pid}/jobs").json() == []
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert shot["prompt"] == "theirs" and shot["status"] == "pending" and shot["last_job_id"] is None
    # With the version it now has, the same request queues the shot's video.
    r = client.post(
        "/generate/advanced",
        json={"project_id": pid, "base_version": v + 1, "shot_config": {"id": "a", "prompt": "mine again", "num_frames": 49}},
    )
    assert r.status_code == 200, r.text
    assert [j["id"] for j in client.get(f"/projects/{pid}/jobs").json()] == [r.json()["job_id"]]
