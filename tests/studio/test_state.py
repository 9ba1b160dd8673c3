"""The SQLite JSON fast path for shots says exactly what the portable row path says."""

from __future__ import annotations

import orjson

from milimo.studio.state import COLUMNS, shots_rows, shots_sqlite


def test_sqlite_json_shots_equal_the_row_path(client, project):
    pid = project["id"]
    tricky = {"id": "t", "prompt": 'Quotes " and \\ back\\slash, unicode: 名前 ✓, newline\nand tab\t', "cfg_scale": 0.1,
              "fps": 23.976, "enhance_prompt": False, "upscale": True, "scene_id": None, "dialogue": "",
              "timeline": [{"asset_id": "a", "frame_index": 3, "strength": 0.3333333333333333}],
              "matched_elements": [{"element_id": "e1", "element_name": 'Mara "M" ✓', "image_url": None, "confidence": 0.3333333333333333}]}
    client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": [tricky, {"id": "plain"}, {"id": "v2", "track_index": 1}]})
    db = client.app.state.studio.db
    with db.read() as session:
        fast = orjson.loads(orjson.dumps(shots_sqlite(session, pid)))
        portable = orjson.loads(orjson.dumps(shots_rows(session, pid, COLUMNS[True][2], raw_times=True), option=orjson.OPT_UTC_Z))
    assert fast == portable and len(fast) == 3
    assert fast[0]["prompt"] == tricky["prompt"] and fast[0]["enhance_prompt"] is False and fast[0]["fps"] == 23.976
