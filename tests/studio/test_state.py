"""The SQLite JSON fast path for shots says exactly what the portable row path says, and its read
model (shot_json, kept by triggers) says exactly what building each shot from its row says."""

from __future__ import annotations

import orjson
from sqlalchemy import text

from milimo.studio.state import COLUMNS, ensure_shot_json, shots_rows, shots_sqlite


def test_sqlite_json_shots_equal_the_row_path(client, project):
    pid = project["id"]
    tricky = {
        "id": "t",
        "prompt": 'Quotes " and \\ back\\slash, unicode: 名前 ✓, newline\nand tab\t',
        "cfg_scale": 0.1,
        "fps": 23.976,
        "seed": 0,  # 0 is not the default (42): sent
        "width": 768,  # the default: left out
        "enhance_prompt": False,
        "upscale": True,
        "scene_id": None,
        "dialogue": "",
        "transition": 'SMASH CUT TO: "名前"',
        "dual_dialogue": True,
        "timeline": [{"asset_id": "a", "frame_index": 3, "strength": 0.3333333333333333}],
        "matched_elements": [
            {"element_id": "e1", "element_name": 'Mara "M" ✓', "image_url": None, "confidence": 0.3333333333333333}
        ],
    }
    client.put(
        f"/projects/{pid}/save", json={"base_version": 1, "shots": [tricky, {"id": "plain"}, {"id": "v2", "track_index": 1}]}
    )
    db = client.app.state.studio.db
    with db.read() as session:
        fast = orjson.loads(orjson.dumps(shots_sqlite(session, pid)))
        portable = orjson.loads(orjson.dumps(shots_rows(session, pid, COLUMNS[True][2], raw_times=True), option=orjson.OPT_UTC_Z))
    assert fast == portable and len(fast) == 3
    assert fast[0]["prompt"] == tricky["prompt"] and fast[0]["enhance_prompt"] is False and fast[0]["fps"] == 23.976
    assert (fast[0]["transition"], fast[0]["dual_dialogue"]) == (tricky["transition"], True)
    assert "dual_dialogue" not in fast[1] and "transition" not in fast[1]  # false and "" are left out, as other empty fields
    assert (fast[0]["seed"], fast[0]["upscale"], fast[2]["track_index"]) == (0, True, 1) and "width" not in fast[0]
    assert not {"seed", "width", "num_frames", "status", "enhance_prompt", "pipeline_override"} & set(fast[1])  # a new shot


def test_the_state_sends_no_field_twice_and_no_field_at_its_default(client, project):
    from milimo.studio.schemas import DEFAULT_IN_STATE, ProjectState, ShotPublic

    pid = project["id"]
    client.put(
        f"/projects/{pid}/save",
        json={
            "base_version": 1,
            "scenes": [{"id": "sc", "name": "INT. LAB"}],
            "shots": [
                {"id": "bare"},
                {
                    "id": "full",
                    "scene_id": "sc",
                    "prompt": "gulls",
                    "timeline": [{"asset_id": "a", "frame_index": 1}],
                    "transition": "CUT TO:",
                    "dual_dialogue": True,
                },
            ],
        },
    )
    state = client.get(f"/projects/{pid}").json()
    ProjectState.model_validate(state)
    shots = {s["id"]: s for s in state["shots"]}
    assert all("project_id" not in s for s in shots.values()) and "project_id" not in state["scenes"][0]
    for shot in shots.values():
        assert not [k for k, v in shot.items() if v is None or (k in DEFAULT_IN_STATE and v == DEFAULT_IN_STATE[k])], shot
    assert not set(DEFAULT_IN_STATE) & set(shots["bare"])  # a bare shot: every field at its default left out
    assert (shots["full"]["prompt"], shots["full"]["scene_id"], shots["full"]["timeline"][0]["frame_index"]) == ("gulls", "sc", 1)
    assert (shots["full"]["transition"], shots["full"]["dual_dialogue"]) == ("CUT TO:", True)
    # Filling the left-out fields back in gives the whole shot (what PATCH answers).
    whole = client.patch("/shots/bare", json={"seed": 7}).json()["shot"]
    again = {s["id"]: s for s in client.get(f"/projects/{pid}").json()["shots"]}["bare"]
    assert ShotPublic.model_validate({**DEFAULT_IN_STATE, **again, "project_id": pid}).model_dump(mode="json") == whole
    assert again["seed"] == 7 and "width" not in again


def _both(db, pid):
    with db.read() as session:
        kept = orjson.loads(orjson.dumps(shots_sqlite(session, pid)))
        built = orjson.loads(orjson.dumps(shots_sqlite(session, pid, built=True)))
        rows = session.execute(text("SELECT count(*) FROM shot_json")).scalar_one()
        shots = session.execute(text("SELECT count(*) FROM shot")).scalar_one()
    return kept, built, (rows, shots)


def test_the_read_model_follows_every_kind_of_write(client, project):
    """shot_json is kept by SQLite's triggers: saves, PATCH, a split, a job's Core update, raw SQL and
    deletes (of a shot, by a save, by deleting the project) all leave it equal to the shots."""
    pid, db = project["id"], client.app.state.studio.db
    shots = [{"id": f"s{i}", "prompt": f"shot {i} ✓", "num_frames": 121, "start_frame": i * 121} for i in range(4)]
    version = client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": shots}).json()["version"]
    kept, built, (rows, n) = _both(db, pid)
    assert kept == built and len(kept) == 4 and rows == n == 4

    assert client.patch("/shots/s1", json={"prompt": 'new "words"', "seed": 0, "transition": "CUT TO:"}).status_code == 200
    assert client.post("/shots/s2/split", json={"split_frame": 40}).status_code == 200
    db.write(lambda s: s.execute(text("UPDATE shot SET status = 'generating', video_url = '/x.mp4' WHERE id = 's0'")))
    kept, built, (rows, n) = _both(db, pid)
    assert kept == built and len(kept) == 5 and rows == n == 5
    by_id = {s["id"]: s for s in kept}
    assert (by_id["s1"]["prompt"], by_id["s1"]["seed"], by_id["s0"]["status"]) == ('new "words"', 0, "generating")

    version = client.get(f"/projects/{pid}").json()["version"]
    saved = client.put(f"/projects/{pid}/save", json={"base_version": version, "shots": [], "deleted_shot_ids": ["s3"]})
    assert saved.status_code == 200, saved.text
    kept, built, (rows, n) = _both(db, pid)
    assert kept == built and "s3" not in {s["id"] for s in kept} and rows == n == 4

    assert client.delete(f"/projects/{pid}").status_code == 200
    assert _both(db, pid)[2] == (0, 0)


def test_startup_installs_its_own_triggers_and_refills_the_read_model(client, project):
    """Triggers that are not this code's (an older studio, a migration that rebuilt `shot`) are replaced
    and the table refilled; a shot missing from the read model is built on the spot meanwhile."""
    pid, db = project["id"], client.app.state.studio.db
    client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "a", "prompt": "one"}, {"id": "b"}]})
    assert db.write(ensure_shot_json) is False  # installed at start-up, and still this code's

    def older_studio(session):
        session.execute(text("DROP TRIGGER shot_json_update"))
        session.execute(text("CREATE TRIGGER shot_json_update AFTER UPDATE ON shot BEGIN SELECT 1; END"))
        session.execute(text("DELETE FROM shot_json WHERE shot_id = 'a'"))
        session.execute(text("UPDATE shot SET prompt = 'two' WHERE id = 'b'"))  # not followed by that trigger

    db.write(older_studio)
    kept, built, _ = _both(db, pid)
    assert kept[0] == built[0] and kept[0]["prompt"] == "one"  # missing: built on the spot
    assert "prompt" not in kept[1] and built[1]["prompt"] == "two"  # stale under foreign triggers
    assert db.write(ensure_shot_json) is True
    kept, built, (rows, n) = _both(db, pid)
    assert kept == built and built[1]["prompt"] == "two" and rows == n == 2
    assert client.patch("/shots/b", json={"prompt": "three"}).status_code == 200
    assert _both(db, pid)[0][1]["prompt"] == "three"


def test_deleting_a_scene_nulls_its_shots_scene_in_the_read_model(client, project):
    pid, db = project["id"], client.app.state.studio.db
    body = {"base_version": 1, "scenes": [{"id": "sc", "name": "INT. LAB"}], "shots": [{"id": "a", "scene_id": "sc"}]}
    client.put(f"/projects/{pid}/save", json=body)
    assert client.put(f"/projects/{pid}/save", json={"base_version": 2, "deleted_scene_ids": ["sc"]}).status_code == 200
    kept, built, _ = _both(db, pid)
    assert kept == built and "scene_id" not in kept[0]  # the foreign key's SET NULL ran the update trigger
