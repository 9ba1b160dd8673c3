"""The SQLite JSON fast path for shots says exactly what the portable row path says."""

from __future__ import annotations

import orjson

from milimo.studio.state import COLUMNS, shots_rows, shots_sqlite


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
