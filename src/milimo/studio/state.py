"""Reading a project's whole state (project + scenes + shots) fast, as dicts ready for JSON.

GET /projects/{id} is the hottest read (every load, every 409). It avoids ORM objects and
per-field validation: Core selects give tuples, zipped with known column names, and JSON
columns are fetched as text and embedded verbatim with orjson.Fragment (never parsed and
re-serialised). On SQLite the shots go further: SQLite's own JSON functions build the whole
array in C and it is embedded as one fragment, with no Python object per row or per field.
That keeps a 2,000-shot project inside its budget (bench/bench_projects.py).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, DateTime, String, Text, cast, select, text, type_coerce
from sqlmodel import Session

from milimo.db.models import Project, Scene, Shot, table_of
from milimo.errors import NotFound
from milimo.studio.schemas import ScenePublic, ShotPublic

PROJECT_FIELDS = ("id", "name", "resolution_w", "resolution_h", "fps", "seed", "script_text", "version", "created_at", "updated_at")


def _is_time(col) -> bool:
    return isinstance(getattr(col.type, "impl", col.type), DateTime)


def _is_json(col) -> bool:
    return isinstance(getattr(col.type, "impl", col.type), JSON)  # db.models.FiniteJSON decorates JSON


def _columns(table, names, raw_times: bool):
    cols = []
    for name in names:
        col = table.c[name]
        if _is_json(col):
            col = cast(col, Text).label(name)
        elif raw_times and _is_time(col):
            col = type_coerce(col, String).label(name)  # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
        cols.append(col)
    return cols


SHOT_NAMES = tuple(ShotPublic.model_fields)
SCENE_NAMES = tuple(ScenePublic.model_fields)
# Per dialect: on SQLite, times are read as their stored text and reformatted (no datetime objects).
COLUMNS = {
    raw: (_columns(table_of(Project), PROJECT_FIELDS, raw), _columns(table_of(Scene), SCENE_NAMES, raw),
          _columns(table_of(Shot), SHOT_NAMES, raw))
    for raw in (False, True)
}
_JSON_POSITIONS = [i for i, n in enumerate(SHOT_NAMES) if _is_json(table_of(Shot).c[n])]
_TIME_POSITIONS = [i for i, n in enumerate(SHOT_NAMES) if _is_time(table_of(Shot).c[n])]


def _sqlite_shots_sql() -> str:
    fields = []
    for name in SHOT_NAMES:
        col, q = table_of(Shot).c[name], f'"{name}"'
        if _is_json(col):
            expr = f"json(coalesce({q}, '[]'))"
        elif isinstance(col.type, Boolean):
            expr = f"json(CASE WHEN {q} THEN 'true' ELSE 'false' END)"
        elif _is_time(col):
            expr = f"replace({q}, ' ', 'T') || 'Z'"
        else:
            expr = q
        fields.append(f"'{name}', {expr}")
    return (f"SELECT json_group_array(json_object({', '.join(fields)})) FROM "
            '(SELECT * FROM shot WHERE project_id = :project_id ORDER BY track_index, start_frame, "index", created_at)')


SQLITE_SHOTS = text(_sqlite_shots_sql())


def shot_dict(shot: Shot) -> dict[str, Any]:
    return {name: getattr(shot, name) for name in SHOT_NAMES}


def scene_dict(scene: Scene) -> dict[str, Any]:
    return {name: getattr(scene, name) for name in SCENE_NAMES}


def _iso(value: Any) -> Any:
    return value.replace(" ", "T") + "Z" if isinstance(value, str) else value


def _shot_row(row, raw_times: bool) -> dict[str, Any]:
    values = list(row)
    for i in _JSON_POSITIONS:
        values[i] = orjson.Fragment(values[i] or "[]")
    if raw_times:
        for i in _TIME_POSITIONS:
            values[i] = _iso(values[i])
    return dict(zip(SHOT_NAMES, values))


def _times(d: dict[str, Any]) -> dict[str, Any]:
    for key in ("created_at", "updated_at"):
        if key in d:
            d[key] = _iso(d[key])
    return d


def load_state(session: Session, project_id: str) -> dict[str, Any]:
    """Project + scenes (by index) + shots (by track, start frame, scene order). 404 if missing.

    JSON columns come back as orjson.Fragment: serialise the result with orjson.
    """
    raw = session.get_bind().dialect.name == "sqlite"
    project_cols, scene_cols, shot_cols = COLUMNS[raw]
    row = session.execute(select(*project_cols).where(table_of(Project).c.id == project_id)).first()
    if row is None:
        raise NotFound(f"project {project_id!r} does not exist")
    state = _times(dict(zip(PROJECT_FIELDS, row)))
    sc = table_of(Scene).c
    state["scenes"] = [
        _times(dict(zip(SCENE_NAMES, r)))
        for r in session.execute(select(*scene_cols).where(sc.project_id == project_id).order_by(sc.index, sc.created_at))
    ]
    state["shots"] = shots_sqlite(session, project_id) if raw else shots_rows(session, project_id, shot_cols, raw)
    return state


def shots_sqlite(session: Session, project_id: str) -> orjson.Fragment:
    """The shots array as JSON text built by SQLite itself."""
    return orjson.Fragment(session.execute(SQLITE_SHOTS, {"project_id": project_id}).scalar_one())


def shots_rows(session: Session, project_id: str, shot_cols=COLUMNS[False][2], raw_times: bool = False) -> list[dict[str, Any]]:
    """The shots as dicts (any database)."""
    t = table_of(Shot).c
    return [
        _shot_row(r, raw_times)
        for r in session.execute(
            select(*shot_cols).where(t.project_id == project_id).order_by(t.track_index, t.start_frame, t.index, t.created_at)
        ).all()  # fetchall: one call into the driver instead of one per row
    ]

