"""Data migrations: shots generated before 0002 get their take backfilled from the asset they show."""

from __future__ import annotations

import sqlite3

from milimo.db.migrate import upgrade

SHOT = {
    "id": "s",
    "project_id": "p",
    "index": 0,
    "track_index": 0,
    "start_frame": 0,
    "trim_in": 0,
    "trim_out": 0,
    "prompt": "",
    "negative_prompt": "",
    "seed": 1,
    "width": 64,
    "height": 64,
    "num_frames": 9,
    "fps": 24,
    "steps": 1,
    "cfg_scale": 1,
    "enhance_prompt": 0,
    "upscale": 0,
    "pipeline_override": "auto",
    "auto_continue": 0,
    "timeline": "[]",
    "action": "",
    "dialogue": "",
    "character": "",
    "shot_type": "",
    "matched_elements": "[]",
    "status": "completed",
    "video_url": "/projects/p/generated/j.mp4",
    "created_at": "2026-01-01",
    "updated_at": "2026-01-01",
}


def test_takes_are_backfilled_for_shots_made_before_0002(tmp_path):
    path = tmp_path / "m.db"
    upgrade(f"sqlite:///{path}", "0002")
    db = sqlite3.connect(path)
    db.execute(
        "insert into project (id, name, resolution_w, resolution_h, fps, seed, script_text, version, created_at, updated_at)"
        " values ('p', 'n', 64, 64, 24, 1, '', 1, '2026-01-01', '2026-01-01')"
    )
    db.execute(
        "insert into asset (id, project_id, kind, media_type, rel_path, url, filename, mime, size_bytes, meta, created_at)"
        " values ('a', 'p', 'generated', 'video', 'generated/j.mp4', '/projects/p/generated/j.mp4', '', '', 0, '{}', '2026-01-01')"
    )
    names = ", ".join(f'"{k}"' for k in SHOT)
    db.execute(f"insert into shot ({names}) values ({', '.join('?' * len(SHOT))})", list(SHOT.values()))
    db.execute(
        f"insert into shot ({names}) values ({', '.join('?' * len(SHOT))})", [*({**SHOT, "id": "t", "video_url": None}.values())]
    )
    db.commit()
    db.close()
    upgrade(f"sqlite:///{path}")
    rows = dict(sqlite3.connect(path).execute("select id, media_asset_id from shot").fetchall())
    assert rows == {"s": "a", "t": None}


def test_shots_made_before_0005_have_no_transition_and_are_not_dual(tmp_path):
    path = tmp_path / "m.db"
    upgrade(f"sqlite:///{path}", "0004")
    db = sqlite3.connect(path)
    db.execute(
        "insert into project (id, name, resolution_w, resolution_h, fps, seed, script_text, version, created_at, updated_at)"
        " values ('p', 'n', 64, 64, 24, 1, '', 1, '2026-01-01', '2026-01-01')"
    )
    shot = {**SHOT, "video_url": None}
    names = ", ".join(f'"{k}"' for k in shot)
    db.execute(f"insert into shot ({names}) values ({', '.join('?' * len(shot))})", list(shot.values()))
    db.commit()
    db.close()
    upgrade(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    assert db.execute('select id, "transition", dual_dialogue from shot').fetchall() == [("s", "", 0)]
    columns = {row[1]: row for row in db.execute("pragma table_info(shot)")}
    assert columns["transition"][3] == 1 and columns["dual_dialogue"][3] == 1  # NOT NULL, filled by the server defaults
    # A writer that does not know the columns yet (an older worker) still inserts.
    db.execute(f"insert into shot ({names}) values ({', '.join('?' * len(shot))})", [*{**shot, "id": "t"}.values()])
    assert db.execute("select \"transition\", dual_dialogue from shot where id = 't'").fetchone() == ("", 0)
    db.close()


def test_0005_downgrades_and_upgrades_again(tmp_path):
    from alembic import command

    from milimo.db.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0004")
    db = sqlite3.connect(tmp_path / "m.db")
    assert "transition" not in {row[1] for row in db.execute("pragma table_info(shot)")}
    db.close()
    upgrade(url)
    db = sqlite3.connect(tmp_path / "m.db")
    assert {"transition", "dual_dialogue"} <= {row[1] for row in db.execute("pragma table_info(shot)")}
    db.close()
