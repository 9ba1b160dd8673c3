"""The storyboard API through the real app: parse, commit merged by id, card edits, export, bad input."""

from __future__ import annotations

import random
import time

import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from milimo.db.models import Element
from milimo.studio.storyboard_schemas import StoryboardPublic
from tests.state import state_shots
from tests.storyboard.conftest import fixture_text
from tests.studio.test_uploads import mp4_bytes, upload


def parse(client, pid, text, mode="auto"):
    r = client.post(f"/projects/{pid}/storyboard/parse", json={"script_text": text, "parse_mode": mode})
    assert r.status_code == 200, r.text
    return r.json()


def commit(client, pid, scenes, base_version, script_text=None, status=200):
    body = {"base_version": base_version, "scenes": scenes}
    if script_text is not None:
        body["script_text"] = script_text
    r = client.post(f"/projects/{pid}/storyboard/commit", json=body)
    assert r.status_code == status, r.text
    return r.json()


def v1(client, pid) -> list[dict]:
    shots = [s for s in state_shots(client.get(f"/projects/{pid}").json()) if s["track_index"] == 0]
    return sorted(shots, key=lambda s: (s["start_frame"], s["index"], s["id"]))


def assert_packed(shots: list[dict]) -> None:
    cursor = 0
    for s in shots:
        assert s["start_frame"] == cursor, [(x["id"], x["start_frame"]) for x in shots]
        cursor += s["num_frames"] - s["trim_in"] - s["trim_out"]


def story_ids(board: dict) -> list[str]:
    return [s["id"] for sc in board["scenes"] for s in sc["shots"]]


def wait_job(client, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise TimeoutError(job_id)


@pytest.fixture
def committed(client, project):
    text = fixture_text("three_scenes.fountain")
    board = commit(client, project["id"], parse(client, project["id"], text)["scenes"], project["version"], text)
    return project["id"], board


def test_parse_writes_nothing_and_uses_the_video_engines_grid(client, project):
    pid = project["id"]
    result = parse(client, pid, fixture_text("three_scenes.fountain"))
    caps = client.get("/engines").json()["engines"]["video"]["capabilities"]
    assert result["grid"] == {"fps": 24.0, "frame_step": caps["frame_step"], "native_max_frames": caps["native_max_frames"]}
    assert result["mode"] == "fountain" and "scene heading" in result["why"]
    assert [len(sc["shots"]) for sc in result["scenes"]] == [1, 7, 3, 5]
    assert all((s["num_frames"] - 1) % caps["frame_step"] == 0 for sc in result["scenes"] for s in sc["shots"])
    state = client.get(f"/projects/{pid}").json()
    assert (state["version"], state["scenes"], state["shots"], state["script_text"]) == (project["version"], [], [], "")


def test_commit_stores_scenes_shots_and_the_script_and_puts_new_shots_on_v1_in_story_order(client, committed):
    pid, board = committed
    assert board["summary"] == {
        "created": 16,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "scenes_created": 4,
        "scenes_deleted": 0,
    }
    assert [sc["heading"] for sc in board["scenes"]] == [
        "",
        "INT. LIGHTHOUSE - NIGHT",
        "EXT. CLIFF PATH - DAWN",
        "FLASHBACK - THE HARBOUR",
    ]
    assert board["scenes"][1]["script_content"].startswith("INT. LIGHTHOUSE - NIGHT #1#")
    state = client.get(f"/projects/{pid}").json()
    assert state["script_text"] == fixture_text("three_scenes.fountain") and state["version"] == board["project_version"] == 2
    timeline = v1(client, pid)
    assert [s["id"] for s in timeline] == story_ids(board)
    assert_packed(timeline)
    mara = board["scenes"][1]["shots"][3]
    assert (mara["character"], mara["dialogue"], mara["status"], mara["index"]) == (
        "MARA",
        "(to herself)\nNot tonight.\nNot again.",
        "pending",
        3,
    )
    assert mara["prompt"].endswith('Mara, to herself, says, "Not tonight. Not again."')
    assert client.get(f"/projects/{pid}/storyboard").json()["scenes"] == board["scenes"]
    # The answer is what its schema says: every card a whole ShotPublic (project_id included).
    StoryboardPublic.model_validate(board)
    assert {s["project_id"] for sc in board["scenes"] for s in sc["shots"]} == {pid}


def test_a_stale_commit_gets_409_with_the_current_state_and_changes_nothing(client, committed):
    pid, board = committed
    r = client.post(f"/projects/{pid}/storyboard/commit", json={"base_version": 1, "scenes": []})
    assert r.status_code == 409 and r.json()["current"]["version"] == board["project_version"]
    assert len(state_shots(client.get(f"/projects/{pid}").json())) == 16


def test_recommitting_an_edited_storyboard_keeps_generated_media(client, committed, tmp_path):
    pid, board = committed
    lighthouse = board["scenes"][1]["shots"]
    uploaded, generated, removed = lighthouse[1], lighthouse[2], lighthouse[4]
    # A take from an upload on one shot, a generated video on another.
    clip = upload(client, pid, mp4_bytes(tmp_path, frames=12), name="boom.mp4", content_type="video/mp4").json()
    assert client.patch(f"/shots/{uploaded['id']}", json={"media_asset_id": clip["id"], "num_frames": 12}).status_code == 200
    queued = client.post(
        "/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "id": generated["id"],
                "prompt": generated["prompt"],
                "width": 256,
                "height": 160,
                "num_frames": 25,
                "enhance_prompt": False,
            },
        },
    )
    assert queued.status_code == 200, queued.text
    assert wait_job(client, queued.json()["job_id"])["status"] == "completed"
    before = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    assert before[generated["id"]]["video_url"] and before[generated["id"]]["media_asset_id"]

    # The writer edits the script: a line rewritten, one block cut, a new action added.
    text = fixture_text("three_scenes.fountain")
    edited = (
        text.replace("And I always mean it.", "And I always, always mean it.")
        .replace("TOM (V.O.)\nYou always say that.\n\n", "")
        .replace("Thunder rattles the glass.", "Thunder rattles the glass.\n\nThe lamp flickers.")
    )
    result = parse(client, pid, edited)
    shots = result["scenes"][1]["shots"]
    assert [s["id"] for s in shots[:3]] == [lighthouse[0]["id"], uploaded["id"], generated["id"]]
    assert shots[3]["id"] is None and shots[3]["action"] == "The lamp flickers."
    assert shots[5]["id"] == lighthouse[5]["id"]  # a fixed line keeps its shot (60 % alike)
    assert removed["id"] not in {s["id"] for s in shots}
    version = client.get(f"/projects/{pid}").json()["version"]
    after = commit(client, pid, result["scenes"], version, edited)
    assert after["summary"]["created"] == 1 and after["summary"]["deleted"] == 1
    now = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    for sid in (uploaded["id"], generated["id"]):
        for key in (
            "media_asset_id",
            "video_url",
            "thumbnail_url",
            "status",
            "engine",
            "actual_frames",
            "num_frames",
            "last_job_id",
        ):
            assert now[sid].get(key) == before[sid].get(key), (sid, key)  # the state leaves empty fields out
    assert removed["id"] not in now
    assert now[lighthouse[5]["id"]]["dialogue"] == "And I always, always mean it."
    assert now[lighthouse[5]["id"]]["prompt"].endswith('Mara says, "And I always, always mean it."')
    # The new shot sits on V1 right after the one before it in the story; V1 stays packed.
    order = [s["id"] for s in v1(client, pid)]
    new_id = next(s["id"] for s in after["scenes"][1]["shots"] if s["action"] == "The lamp flickers.")
    assert order.index(new_id) == order.index(generated["id"]) + 1
    assert_packed(v1(client, pid))


def script_marks(scenes: list[dict]) -> list[list[tuple]]:
    """What a script says about the cut and the cues, scene by scene: who speaks, dual or not, the transition after."""
    return [[(s["character"], s["dual"], s["transition"]) for s in sc["shots"]] for sc in scenes]


def test_commit_stores_the_scripts_transitions_and_dual_dialogue(client, committed):
    pid, board = committed
    lighthouse, cliff = board["scenes"][1]["shots"], board["scenes"][2]["shots"]
    assert (lighthouse[6]["character"], lighthouse[6]["transition"], lighthouse[6]["dual_dialogue"]) == (
        "McCLANE",
        "CUT TO:",
        False,
    )
    assert (cliff[2]["character"], cliff[2]["transition"], cliff[2]["dual_dialogue"]) == ("MARA", "FADE TO BLACK.", True)
    assert sum(bool(s["transition"]) for sc in board["scenes"] for s in sc["shots"]) == 2
    assert client.get(f"/projects/{pid}/storyboard").json()["scenes"] == board["scenes"]
    state = {s["id"]: s for s in client.get(f"/projects/{pid}").json()["shots"]}  # as sent: empty fields left out
    assert (state[cliff[2]["id"]]["transition"], state[cliff[2]["id"]]["dual_dialogue"]) == ("FADE TO BLACK.", True)
    assert "transition" not in state[cliff[0]["id"]] and "dual_dialogue" not in state[cliff[0]["id"]]  # empty: left out


def test_a_changed_transition_alone_updates_the_shot_and_keeps_its_take(client, committed, tmp_path):
    pid, board = committed
    mcclane = board["scenes"][1]["shots"][6]
    clip = upload(client, pid, mp4_bytes(tmp_path, frames=12), name="who.mp4", content_type="video/mp4").json()
    assert client.patch(f"/shots/{mcclane['id']}", json={"media_asset_id": clip["id"], "num_frames": 12}).status_code == 200
    before = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}[mcclane["id"]]
    text = fixture_text("three_scenes.fountain")
    scenes = parse(client, pid, text)["scenes"]
    version = client.get(f"/projects/{pid}").json()["version"]
    same = commit(client, pid, scenes, version)
    assert same["summary"]["unchanged"] == 16 and same["summary"]["updated"] == 0  # the marks are compared too
    # A client that does not send the marks erases none of them.
    bare = [
        {**sc, "shots": [{k: v for k, v in s.items() if k not in ("transition", "dual")} for s in sc["shots"]]} for sc in scenes
    ]
    same = commit(client, pid, bare, same["project_version"])
    assert same["summary"]["unchanged"] == 16 and same["scenes"][2]["shots"][2]["dual_dialogue"] is True
    assert same["scenes"][1]["shots"][6]["transition"] == "CUT TO:"

    scenes[1]["shots"][6]["transition"] = "  SMASH CUT TO:  "  # stripped
    scenes[2]["shots"][2]["dual"] = False
    scenes[2]["shots"][0]["dual"] = True  # not a cue: an action shot is never half of a dual pair
    after = commit(client, pid, scenes, same["project_version"])
    assert after["summary"]["updated"] == 2 and after["summary"]["unchanged"] == 14 and after["summary"]["created"] == 0
    now = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}[mcclane["id"]]
    assert now["transition"] == "SMASH CUT TO:"
    for key in ("media_asset_id", "video_url", "status", "num_frames", "prompt", "start_frame"):
        assert now.get(key) == before.get(key), key
    cliff = after["scenes"][2]["shots"]
    assert [s["dual_dialogue"] for s in cliff] == [False, False, False]


@pytest.mark.parametrize("source", ["three_scenes.fountain", "three_scenes.fdx"])
@pytest.mark.parametrize("fmt", ["fountain", "fdx"])
def test_parse_commit_export_parse_keeps_transitions_and_dual_dialogue(client, project, source, fmt):
    pid = project["id"]
    text = fixture_text(source)
    parsed = parse(client, pid, text)
    board = commit(client, pid, parsed["scenes"], project["version"], text)
    exported = client.get(f"/projects/{pid}/storyboard/export", params={"format": fmt}).text
    again = parse(client, pid, exported, fmt)
    assert script_marks(again["scenes"]) == script_marks(parsed["scenes"])
    assert [(s["dual"], s["transition"]) for s in again["scenes"][2]["shots"]][1:] == [(False, ""), (True, "FADE TO BLACK.")]
    assert story_ids({"scenes": again["scenes"]}) == story_ids(board)  # every shot recognised as the stored one
    if fmt == "fountain":
        assert "\nCUT TO:\n" in exported and "\nMARA ^\n" in exported and "\n> FADE TO BLACK.\n" in exported
    else:
        assert "<DualDialogue>" in exported and 'Type="Transition"' in exported


def test_an_edited_transition_is_exported(client, committed):
    pid, board = committed
    scenes = parse(client, pid, fixture_text("three_scenes.fountain"))["scenes"]
    scenes[1]["shots"][2]["transition"] = "MATCH CUT TO:"
    scenes[1]["shots"][6]["transition"] = ""
    scenes[3]["shots"][4]["transition"] = "FADE OUT."
    commit(client, pid, scenes, board["project_version"])
    fountain = client.get(f"/projects/{pid}/storyboard/export").text
    assert "glass.\n\nMATCH CUT TO:\n" in fountain and "CUT TO:\n\nEXT. CLIFF" not in fountain
    assert fountain.endswith("Mara?\n\n> FADE OUT.\n")  # not ending in TO:, so forced with ">"
    fdx = client.get(f"/projects/{pid}/storyboard/export", params={"format": "fdx"}).text
    again = parse(client, pid, fdx, "fdx")
    assert [s["transition"] for s in again["scenes"][1]["shots"]][2] == "MATCH CUT TO:"
    assert again["scenes"][3]["shots"][4]["transition"] == "FADE OUT."


@pytest.mark.parametrize(
    "change",
    [{"transition": "X" * 101}, {"transition": "CUT TO:\nFADE IN:"}, {"transition": 3}, {"dual": "yes"}, {"dual": 1}],
)
def test_a_bad_transition_or_dual_mark_is_422_and_changes_nothing(client, committed, change):
    pid, board = committed
    scenes = parse(client, pid, fixture_text("three_scenes.fountain"))["scenes"]
    scenes[1]["shots"][6].update(change)
    r = client.post(f"/projects/{pid}/storyboard/commit", json={"base_version": board["project_version"], "scenes": scenes})
    assert r.status_code == 422, r.text
    assert client.get(f"/projects/{pid}").json()["version"] == board["project_version"]
    card = {"scene_id": board["scenes"][1]["id"], "action": "A gull.", **change}
    assert client.post(f"/projects/{pid}/storyboard/shots", json=card).status_code == 422


def test_an_added_card_can_carry_a_transition(client, committed):
    pid, board = committed
    r = client.post(
        f"/projects/{pid}/storyboard/shots",
        json={"scene_id": board["scenes"][2]["id"], "position": 1, "action": "Gulls scatter.", "transition": "DISSOLVE TO:"},
    )
    assert r.status_code == 201 and r.json()["scenes"][2]["shots"][1]["transition"] == "DISSOLVE TO:"


def test_a_hand_written_prompt_survives_a_content_edit(client, committed):
    pid, board = committed
    shot = board["scenes"][2]["shots"][0]
    client.patch(f"/shots/{shot['id']}", json={"prompt": "My own words."})
    scenes = client.get(f"/projects/{pid}/storyboard").json()["scenes"]
    cards = [
        {
            "id": sc["id"],
            "heading": sc["heading"],
            "source_text": sc["script_content"],
            "shots": [{k: s[k] for k in ("id", "action", "dialogue", "character", "shot_type")} for s in sc["shots"]],
        }
        for sc in scenes
    ]
    cards[2]["shots"][0]["action"] = "A new action."
    after = commit(client, pid, cards, client.get(f"/projects/{pid}").json()["version"])
    changed = after["scenes"][2]["shots"][0]
    assert (changed["action"], changed["prompt"]) == ("A new action.", "My own words.")
    assert after["summary"]["updated"] == 1 and after["summary"]["unchanged"] == 15


def test_timeline_clips_without_a_scene_are_not_the_storyboards(client, project):
    pid = project["id"]
    client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "clip", "num_frames": 24, "prompt": "b-roll"}]})
    board = commit(client, pid, parse(client, pid, "One.\n\nTwo.")["scenes"], 2)
    assert board["summary"]["deleted"] == 0
    commit(client, pid, [], board["project_version"])
    shots = state_shots(client.get(f"/projects/{pid}").json())
    assert [(s["id"], s["start_frame"]) for s in shots] == [("clip", 0)]


def test_card_edits_rename_reorder_add_and_delete(client, committed):
    pid, board = committed
    cliff, harbour = board["scenes"][2], board["scenes"][3]
    version = board["project_version"]
    r = client.patch(
        f"/projects/{pid}/storyboard/scenes/{cliff['id']}", json={"heading": "EXT. CLIFF TOP - DAWN", "base_version": version}
    )
    assert r.status_code == 200 and r.json()["scenes"][2]["heading"] == "EXT. CLIFF TOP - DAWN"
    version = r.json()["project_version"]
    assert (
        client.patch(f"/projects/{pid}/storyboard/scenes/{cliff['id']}", json={"heading": "X", "base_version": 1}).status_code
        == 409
    )

    order = [sc["id"] for sc in board["scenes"]]
    order[2], order[3] = order[3], order[2]
    r = client.post(f"/projects/{pid}/storyboard/scenes/reorder", json={"scene_ids": order, "base_version": version})
    assert r.status_code == 200 and [sc["id"] for sc in r.json()["scenes"]] == order
    assert [s["id"] for s in v1(client, pid)] == story_ids(r.json())  # V1 follows the story
    assert client.post(f"/projects/{pid}/storyboard/scenes/reorder", json={"scene_ids": order[:2]}).status_code == 422

    shot_ids = [s["id"] for s in harbour["shots"]][::-1]
    r = client.post(f"/projects/{pid}/storyboard/shots/reorder", json={"scene_id": harbour["id"], "shot_ids": shot_ids})
    assert [s["id"] for s in r.json()["scenes"][2]["shots"]] == shot_ids
    assert [s["index"] for s in r.json()["scenes"][2]["shots"]] == list(range(5))
    assert [s["id"] for s in v1(client, pid)] == story_ids(r.json())

    r = client.post(
        f"/projects/{pid}/storyboard/shots",
        json={"scene_id": harbour["id"], "position": 1, "action": "Gulls scatter.", "dialogue": "", "character": ""},
    )
    assert r.status_code == 201
    added = r.json()["scenes"][2]["shots"][1]
    assert (added["action"], added["index"], added["track_index"], added["num_frames"]) == ("Gulls scatter.", 1, 0, 49)
    assert [s["index"] for s in r.json()["scenes"][2]["shots"]] == list(range(6))
    assert [s["id"] for s in v1(client, pid)] == story_ids(r.json())
    assert_packed(v1(client, pid))

    r = client.delete(f"/projects/{pid}/storyboard/shots/{shot_ids[0]}")
    assert r.status_code == 200
    assert [s["index"] for s in r.json()["scenes"][2]["shots"]] == list(range(5))
    assert shot_ids[0] not in story_ids(r.json())
    assert_packed(v1(client, pid))
    assert client.delete(f"/projects/{pid}/storyboard/shots/{shot_ids[0]}").status_code == 404
    assert client.patch(f"/projects/{pid}/storyboard/scenes/nope", json={"heading": "x"}).status_code == 404


def test_export_gives_the_edited_storyboard_back_as_a_screenplay(client, committed):
    pid, board = committed
    r = client.get(f"/projects/{pid}/storyboard/export", params={"format": "fountain"})
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="Night Shift.fountain"'
    assert (
        r.text.startswith("Title: The Night Shift\n")
        and "INT. LIGHTHOUSE - NIGHT #1#" in r.text
        and ".FLASHBACK - THE HARBOUR" in r.text
    )
    again = parse(client, pid, r.text, "fountain")
    assert [[s["id"] for s in sc["shots"]] for sc in again["scenes"]] == [
        [s["id"] for s in sc["shots"]] for sc in board["scenes"]
    ]
    fdx = client.get(f"/projects/{pid}/storyboard/export", params={"format": "fdx"})
    assert fdx.status_code == 200 and fdx.headers["content-type"] == "application/xml"
    from_fdx = parse(client, pid, fdx.text)
    assert from_fdx["mode"] == "fdx" and story_ids({"scenes": from_fdx["scenes"]}) == story_ids(board)
    assert client.get(f"/projects/{pid}/storyboard/export", params={"format": "pdf"}).status_code == 422


def test_match_elements_stores_the_matches(client, committed):
    pid, _board = committed
    db = client.app.state.studio.db
    db.write(
        lambda s: s.add_all(
            [
                Element(id="el-mara", project_id=pid, name="Mara", trigger_word="@Mara", type="character"),
                Element(id="el-lh", project_id=pid, name="Lighthouse", trigger_word="@Lighthouse", type="location"),
            ]
        )
    )
    r = client.post(f"/projects/{pid}/storyboard/match-elements", json={})
    assert r.status_code == 200 and r.json()["shots_changed"] > 0
    scenes = client.get(f"/projects/{pid}/storyboard").json()["scenes"]
    mara = scenes[1]["shots"][3]["matched_elements"]
    assert [(m["element_id"], m["match_source"]) for m in mara] == [
        ("el-mara", "character_field_exact"),
        ("el-lh", "scene_heading"),
    ]
    again = client.post(f"/projects/{pid}/storyboard/match-elements", json={})
    assert again.json()["shots_changed"] == 0
    # Parse reports matches too, without writing.
    parsed = parse(client, pid, "\nEXT. LIGHTHOUSE - DAY\n\n@Mara waves.\n")
    assert [m["element_id"] for m in parsed["scenes"][0]["shots"][0]["matched_elements"]] == ["el-mara", "el-lh"]


@pytest.mark.parametrize(
    "name, status, words",
    [
        ("malformed.fdx", 422, "not well-formed XML"),
        ("xml_bomb.fdx", 422, "declares a DTD or entities"),
    ],
)
def test_bad_fdx_is_a_clear_4xx(client, project, name, status, words):
    r = client.post(f"/projects/{project['id']}/storyboard/parse", json={"script_text": fixture_text(name)})
    assert r.status_code == status and words in r.json()["detail"]


def test_bad_input_is_4xx_and_a_megabyte_parses(client, project):
    pid = project["id"]
    url = f"/projects/{pid}/storyboard/parse"
    assert client.post(url, json={"script_text": ""}).status_code == 422
    rng = random.Random(3)
    garbage = bytes(rng.randrange(256) for _ in range(2048)).decode("latin-1")
    r = client.post(url, json={"script_text": garbage})
    assert r.status_code == 422 and "not text" in r.json()["detail"]
    assert client.post(url, json={"script_text": "x", "parse_mode": "pdf"}).status_code == 422
    assert client.post(url, json={"script_text": "x", "extra": 1}).status_code == 422
    assert client.post(url, content=b"\xff\x00not json", headers={"content-type": "application/json"}).status_code == 422
    assert client.post("/projects/nope/storyboard/parse", json={"script_text": "x"}).status_code == 404
    mb = ("Rain on the tin roof. " * 48 + "\n\n") * 1000
    text = mb[:1_000_000]
    r = client.post(url, json={"script_text": text})
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert (
        r.status_code == 200 and r.json()["mode"] == "freeform" and len(r.json()["scenes"][0]["shots"]) == len(paragraphs) == 946
    )


def test_the_script_size_limit_is_a_setting(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", log_level="warning", max_script_bytes=4096)
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "Small"}).json()["id"]
        r = client.post(f"/projects/{pid}/storyboard/parse", json={"script_text": "a" * 5000})
        assert r.status_code == 413 and "MILIMO_MAX_SCRIPT_BYTES" in r.json()["detail"]
        r = client.post(f"/projects/{pid}/storyboard/commit", json={"base_version": 1, "scenes": [], "script_text": "a" * 5000})
        assert r.status_code == 413


def test_commit_refuses_ids_of_other_projects_and_duplicates(client, committed):
    pid, board = committed
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    version = board["project_version"]
    card = {"id": board["scenes"][1]["shots"][0]["id"], "action": "x"}
    r = client.post(
        f"/projects/{other}/storyboard/commit", json={"base_version": 1, "scenes": [{"heading": "A", "shots": [card]}]}
    )
    assert r.status_code == 422 and "belongs to another project" in r.json()["detail"]
    r = client.post(
        f"/projects/{pid}/storyboard/commit", json={"base_version": version, "scenes": [{"heading": "A", "shots": [card, card]}]}
    )
    assert r.status_code == 422 and "appears twice" in r.json()["detail"]
    r = client.post(
        f"/projects/{pid}/storyboard/commit",
        json={"base_version": version, "scenes": [{"heading": "A", "shots": [{"video_url": "x"}]}]},
    )
    assert r.status_code == 422
    assert len(state_shots(client.get(f"/projects/{pid}").json())) == 16
