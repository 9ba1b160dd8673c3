"""Safe saves (seed §7): every field round-trips, stale saves get 409, nothing is lost."""

from __future__ import annotations

from milimo.studio.schemas import ProjectState, ShotFields
from tests.state import state_shots

FULL_SHOT = {
    "id": "shot-a",
    "scene_id": "scene-1",
    "index": 3,
    "track_index": 1,
    "start_frame": 250,
    "trim_in": 8,
    "trim_out": 16,
    "prompt": "A lighthouse keeper climbs the stairs",
    "negative_prompt": "blurry",
    "seed": 1234567,
    "width": 1024,
    "height": 576,
    "num_frames": 97,
    "fps": 25.0,
    "steps": 30,
    "cfg_scale": 4.5,
    "enhance_prompt": False,
    "upscale": True,
    "pipeline_override": "keyframe",
    "auto_continue": True,
    "still_first": False,
    "timeline": [
        {"asset_id": "asset-1", "url": None, "frame_index": 0, "strength": 0.8, "type": "image"},
        {"asset_id": None, "url": "/projects/p/generated/x.png", "frame_index": 96, "strength": 1.0, "type": "image"},
    ],
    "action": "She climbs.",
    "dialogue": "Almost there.",
    "character": "MARA",
    "shot_type": "close_up",
    "transition": "SMASH CUT TO:",
    "dual_dialogue": True,
    "matched_elements": [
        {
            "element_id": "e1",
            "element_name": "Mara",
            "element_type": "character",
            "image_url": None,
            "trigger_word": "@mara",
            "confidence": 0.95,
            "match_source": "character_field_exact",
        }
    ],
}


def save(client, pid, **body):
    return client.put(f"/projects/{pid}/save", json=body)


def test_every_client_field_round_trips(client, project):
    from tests.studio.test_uploads import png_bytes, upload

    pid = project["id"]
    take = upload(client, pid, png_bytes()).json()
    full = {**FULL_SHOT, "media_asset_id": take["id"]}
    r = save(
        client,
        pid,
        base_version=1,
        project={
            "name": "Renamed",
            "script_text": "INT. LIGHTHOUSE - NIGHT\n\nMara climbs.",
            "fps": 25,
            "seed": 9,
            "resolution_w": 1024,
            "resolution_h": 576,
        },
        scenes=[{"id": "scene-1", "index": 0, "name": "INT. LIGHTHOUSE - NIGHT", "script_content": "Mara climbs."}],
        shots=[full],
    )
    assert r.status_code == 200, r.text
    loaded = client.get(f"/projects/{pid}").json()
    ProjectState.model_validate(loaded)
    assert loaded["version"] == 2
    assert (loaded["name"], loaded["script_text"], loaded["fps"], loaded["seed"], loaded["resolution_w"]) == (
        "Renamed",
        "INT. LIGHTHOUSE - NIGHT\n\nMara climbs.",
        25.0,
        9,
        1024,
    )
    assert loaded["scenes"][0] | {} == {
        **loaded["scenes"][0],
        "id": "scene-1",
        "index": 0,
        "name": "INT. LIGHTHOUSE - NIGHT",
        "script_content": "Mara climbs.",
    }
    shot = loaded["shots"][0]
    for field in ShotFields.model_fields:
        assert shot[field] == full[field], field
    assert set(full) - {"id"} == set(ShotFields.model_fields), "the fixture must exercise every client field"
    assert shot["video_url"] == take["url"]  # the take's media follows media_asset_id


def test_new_shots_take_project_defaults_and_next_index(client, project):
    pid = project["id"]
    state = save(client, pid, base_version=1, shots=[{"id": "a"}, {"id": "b"}]).json()
    a, b = sorted(state["shots"], key=lambda s: s["id"])
    assert (a["width"], a["height"], a["fps"], a["seed"]) == (768, 512, 24.0, 42)
    assert (a["index"], b["index"]) == (0, 1)
    assert a["status"] == "pending" and a["timeline"] == [] and a["matched_elements"] == []


def test_a_save_answers_its_version_and_only_what_the_server_changed(client, project):
    from tests.studio.test_uploads import png_bytes, upload

    pid = project["id"]
    first = save(client, pid, base_version=1, scenes=[{"name": "INT. LAB"}], shots=[{"id": "a", "prompt": "one"}]).json()
    assert set(first) == {"version", "updated_at", "shots", "scenes"} and first["version"] == 2
    scene = first["scenes"][0]  # a new scene: the server chose its id and index
    assert scene["name"] == "INT. LAB" and scene["index"] == 0 and scene["id"]
    new = first["shots"][0]  # a new shot: everything it did not send (defaults, index, status, times)
    assert new["id"] == "a" and "prompt" not in new
    assert (new["width"], new["index"], new["status"], new["start_frame"]) == (768, 0, "pending", 0)
    loaded = client.get(f"/projects/{pid}").json()
    before = loaded["shots"][0]["updated_at"]

    # Re-sending the shot unchanged writes nothing for it and reports nothing.
    again = save(client, pid, base_version=2, shots=[{k: v for k, v in loaded["shots"][0].items()}]).json()
    assert again["version"] == 3 and again["shots"] == [] and again["scenes"] == []
    assert state_shots(client.get(f"/projects/{pid}").json())[0]["updated_at"] == before

    # A changed field is written; the answer is silent about it (the client sent it).
    changed = save(client, pid, base_version=3, shots=[{"id": "a", "prompt": "two"}]).json()
    assert changed["shots"] == []
    after = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert after["prompt"] == "two" and after["updated_at"] > before

    # Sending a take: the answer carries what the server derived from the asset.
    take = upload(client, pid, png_bytes()).json()
    media = save(client, pid, base_version=4, shots=[{"id": "a", "media_asset_id": take["id"]}]).json()
    assert media["shots"] == [
        {
            "id": "a",
            "media_asset_id": take["id"],
            "status": "completed",
            "video_url": take["url"],
            "thumbnail_url": take["url"],
            "engine": "upload",
            "actual_frames": None,
        }
    ]


def test_stale_autosave_gets_409_and_loses_nothing(client, project):
    pid = project["id"]
    save(client, pid, base_version=1, shots=[{"id": "a", "prompt": "first"}, {"id": "b", "prompt": "second"}])
    # Another tab (or the storyboard) changes the project: version 2 -> 3.
    assert client.patch("/shots/b", json={"prompt": "edited elsewhere"}).status_code == 200
    # A stale autosave based on version 2 that does not even mention shot b.
    r = save(client, pid, base_version=2, shots=[{"id": "a", "prompt": "stale"}], deleted_shot_ids=["b"])
    assert r.status_code == 409
    body = r.json()
    assert "version 2" in body["detail"] and body["current"]["version"] == 3
    assert {s["id"]: s["prompt"] for s in body["current"]["shots"]} == {"a": "first", "b": "edited elsewhere"}
    after = client.get(f"/projects/{pid}").json()
    assert after["version"] == 3
    assert {s["id"]: s["prompt"] for s in after["shots"]} == {"a": "first", "b": "edited elsewhere"}


def test_save_deletes_only_what_the_client_deleted(client, project):
    pid = project["id"]
    save(
        client,
        pid,
        base_version=1,
        scenes=[{"id": "s1"}, {"id": "s2"}],
        shots=[{"id": "a", "scene_id": "s1"}, {"id": "b", "scene_id": "s2"}, {"id": "c"}],
    )
    # A save that mentions only shot a (e.g. a small autosave) deletes nothing else.
    assert save(client, pid, base_version=2, shots=[{"id": "a", "prompt": "changed"}]).status_code == 200
    state = client.get(f"/projects/{pid}").json()
    assert {s["id"] for s in state["shots"]} == {"a", "b", "c"}
    assert save(client, pid, base_version=3, deleted_shot_ids=["c"], deleted_scene_ids=["s2"]).status_code == 200
    state = client.get(f"/projects/{pid}").json()
    assert {s["id"] for s in state["shots"]} == {"a", "b"}
    assert [s["id"] for s in state["scenes"]] == ["s1"]
    assert "scene_id" not in next(s for s in state["shots"] if s["id"] == "b")  # scene gone (null: not sent), shot kept


def test_server_owned_fields_are_never_taken_from_a_client(client, project, settings):
    from milimo.db.database import Database
    from milimo.db.models import Shot

    pid = project["id"]
    save(client, pid, base_version=1, shots=[{"id": "a"}])
    db = Database(settings.db_url)

    def finish(session):
        shot = session.get(Shot, "a")
        shot.status, shot.video_url, shot.thumbnail_url, shot.last_job_id = (
            "completed",
            "/projects/x/generated/j.mp4",
            "/t.jpg",
            "job_1",
        )
        shot.enhanced_prompt, shot.engine, shot.actual_frames = "better", "draft", 121

    db.write(finish)
    db.close()
    stale_copy = {
        "id": "a",
        "prompt": "new words",
        "status": "pending",
        "video_url": None,
        "thumbnail_url": None,
        "last_job_id": None,
        "enhanced_prompt": None,
        "engine": None,
        "actual_frames": None,
    }
    answer = save(client, pid, base_version=2, shots=[stale_copy]).json()
    assert answer["shots"] == []  # stored as sent: the server changed nothing the client does not know
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert shot["prompt"] == "new words"
    assert (
        shot["status"],
        shot["video_url"],
        shot["last_job_id"],
        shot["enhanced_prompt"],
        shot["engine"],
        shot["actual_frames"],
    ) == ("completed", "/projects/x/generated/j.mp4", "job_1", "better", "draft", 121)


def test_a_bad_save_writes_nothing(client, project):
    pid = project["id"]
    save(client, pid, base_version=1, shots=[{"id": "a", "prompt": "keep"}])
    # The second shot is invalid (trims eat every frame): the first change must not land either.
    r = save(
        client,
        pid,
        base_version=2,
        project={"name": "Should not stick"},
        shots=[{"id": "a", "prompt": "lost?"}, {"id": "b", "num_frames": 9, "trim_in": 5, "trim_out": 4}],
    )
    assert r.status_code == 422 and "trim" in r.json()["detail"]
    state = client.get(f"/projects/{pid}").json()
    assert state["version"] == 2 and state["name"] == "Night Shift"
    assert [(s["id"], s["prompt"]) for s in state["shots"]] == [("a", "keep")]


def test_save_bad_input_gets_422_or_409_with_a_reason(client, project):
    pid = project["id"]
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    save(client, other, base_version=1, shots=[{"id": "foreign"}], scenes=[{"id": "foreign-scene"}])
    cases = [
        ({"shots": []}, "base_version"),
        ({"base_version": 1, "shots": [{"id": "x", "num_frames": 0}]}, "num_frames"),
        ({"base_version": 1, "shots": [{"id": "x", "width": -768}]}, "width"),
        ({"base_version": 1, "shots": [{"id": "x", "cfg_scale": "NaN"}]}, "cfg_scale"),
        ({"base_version": 1, "shots": [{"id": "x", "num_frames": 1_000_000}]}, "num_frames"),
        ({"base_version": 1, "shots": [{"id": "x", "track_index": 7}]}, "track_index"),
        ({"base_version": 1, "shots": [{"id": "x", "timeline": [{"frame_index": 0}]}]}, "asset_id"),
        ({"base_version": 1, "shots": [{"id": "x", "promtp": "typo"}]}, "promtp"),
        ({"base_version": 1, "shots": [{"id": "../../etc"}]}, "id"),
        ({"base_version": 1, "shots": [{"id": "foreign"}]}, "another project"),
        ({"base_version": 1, "scenes": [{"id": "foreign-scene"}]}, "another project"),
        ({"base_version": 1, "shots": [{"id": "x", "scene_id": "foreign-scene"}]}, "not a scene of this project"),
        ({"base_version": 1, "shots": [{"id": "x"}], "deleted_shot_ids": ["x"]}, "both saved and deleted"),
    ]
    for body, words in cases:
        r = save(client, pid, **body)
        assert r.status_code == 422, (body, r.text)
        assert words in r.json()["detail"], (body, r.json())
    assert save(client, "nope", base_version=1).status_code == 404
    assert client.get(f"/projects/{pid}").json()["version"] == 1
