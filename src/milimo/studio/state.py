"""Reading a project's whole state (project + scenes + shots) fast, as dicts ready for JSON.

GET /projects/{id} is the hottest read (every load, every 409). It avoids ORM objects and
per-field validation: Core selects give tuples, zipped with known column names, and JSON
columns are fetched as text and embedded verbatim with orjson.Fragment (never parsed and
re-serialised). On SQLite the shots go further: each shot's JSON text is kept in `shot_json` by
triggers that SQLite runs on every write (ensure_shot_json), and a load concatenates those texts
in C into one fragment, with no Python object per row or per field and no per-field work.
That keeps a 2,000-shot project inside its budget (bench/bench_projects.py).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    cast,
    select,
    text,
    type_coerce,
)
from sqlmodel import Session

from milimo.db.models import Project, Scene, Shot, is_json_column, table_of
from milimo.errors import NotFound
from milimo.studio.schemas import DEFAULT_IN_STATE, ScenePublic, ShotPublic

PROJECT_FIELDS = (
    "id",
    "name",
    "resolution_w",
    "resolution_h",
    "fps",
    "seed",
    "script_text",
    "version",
    "created_at",
    "updated_at",
)


def _is_time(col) -> bool:
    return isinstance(getattr(col.type, "impl", col.type), DateTime)


def _columns(table, names, raw_times: bool):
    cols = []
    for name in names:
        col = table.c[name]
        if is_json_column(col):
            col = cast(col, Text).label(name)
        elif raw_times and _is_time(col):
            col = type_coerce(col, String).label(name)  # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
        cols.append(col)
    return cols


SHOT_NAMES = tuple(ShotPublic.model_fields)
SCENE_NAMES = tuple(ScenePublic.model_fields)
# The whole state leaves out what it would send 2,000 times over: each shot's and scene's
# project_id (the state's own id) and every shot field still at its default (empty, or a
# setting no one changed; the client fills them back in, api/types.ts: splitShot). See
# ShotInState / SceneInState.
STATE_SHOT_NAMES = tuple(n for n in SHOT_NAMES if n != "project_id")
STATE_SCENE_NAMES = tuple(n for n in SCENE_NAMES if n != "project_id")
# Per dialect: on SQLite, times are read as their stored text and reformatted (no datetime objects).
COLUMNS = {
    raw: (
        _columns(table_of(Project), PROJECT_FIELDS, raw),
        _columns(table_of(Scene), SCENE_NAMES, raw),
        _columns(table_of(Shot), SHOT_NAMES, raw),
    )
    for raw in (False, True)
}
_JSON_POSITIONS = [i for i, n in enumerate(SHOT_NAMES) if is_json_column(table_of(Shot).c[n])]
_TIME_POSITIONS = [i for i, n in enumerate(SHOT_NAMES) if _is_time(table_of(Shot).c[n])]


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _shot_json_sql(row: str = "") -> str:
    """SQL for one shot as state JSON text, one member per field not at its default. `row` qualifies
    the columns ("NEW." inside a trigger).

    One printf per row: the fixed members are in the format string, and a defaulted field's
    member is '' while the field holds its default (DEFAULT_IN_STATE). Values are text, numbers
    and flags as SQLite writes them (`||` makes an integer decimal text; json_quote only for
    text and reals), JSON columns verbatim: they hold JSON already. (An object builder would
    have to emit every field and drop the defaults again, twice the time.)"""
    fmt: list[str] = []
    args: list[str] = []
    for name in STATE_SHOT_NAMES:
        col, q = table_of(Shot).c[name], f'{row}"{name}"'
        sep = "," if fmt else ""
        if _is_time(col):  # stored as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
            fmt.append(f'{sep}"{name}":"%sZ"')
            args.append(f"replace({q}, ' ', 'T')")
            continue
        if name not in DEFAULT_IN_STATE:
            fmt.append(f'{sep}"{name}":%s')
            args.append(f"json_quote({q})")
            continue
        default = DEFAULT_IN_STATE[name]
        if is_json_column(col):
            value, at_default = q, f"{q} IS NULL OR {q} IN ('[]', 'null')"
        else:
            if isinstance(col.type, Boolean):
                value = f"CASE WHEN {q} THEN 'true' ELSE 'false' END"
            elif isinstance(col.type, Integer):
                value = f"{q}"
            else:
                value = f"json_quote({q})"
            at_default = f"{q} IS NULL" + ("" if default is None else f" OR {q} = {_sql_literal(default)}")
        fmt.append("%s")
        args.append(f"CASE WHEN {at_default} THEN '' ELSE '{sep}\"{name}\":' || {value} END")
    return f"printf('{{{''.join(fmt)}}}', {', '.join(args)})"


_SHOT_ORDER = 's.track_index, s.start_frame, s."index", s.created_at'


def _sqlite_shots_sql() -> str:
    """Each shot's JSON text from the read model (shot_json), in state order; a shot missing there
    is built on the spot, so the answer is right even before the triggers are installed. The
    order is ix_shot_project_order's, so no text passes through a sort."""
    return (
        f"SELECT coalesce(j.body, {_shot_json_sql('s.')}) FROM shot AS s LEFT JOIN shot_json AS j ON j.shot_id = s.id "
        f"WHERE s.project_id = :project_id ORDER BY {_SHOT_ORDER}"
    )


def _sqlite_shots_built_sql() -> str:
    """Each shot's JSON text built field by field from `shot` (what the read model must equal)."""
    return f"SELECT {_shot_json_sql('s.')} FROM shot AS s WHERE s.project_id = :project_id ORDER BY {_SHOT_ORDER}"


def shot_json_triggers() -> dict[str, str]:
    """The triggers that keep shot_json equal to the shots, by name -> CREATE statement."""
    # Delete then insert, no conflict clause: a trigger's OR REPLACE gives way to the policy of the
    # statement that fired it (a foreign key's SET NULL on deleting a scene would abort).
    put = f"DELETE FROM shot_json WHERE shot_id = OLD.id; INSERT INTO shot_json (shot_id, body) VALUES (NEW.id, {_shot_json_sql('NEW.')})"
    return {
        "shot_json_insert": f"CREATE TRIGGER shot_json_insert AFTER INSERT ON shot BEGIN {put.replace('OLD.id', 'NEW.id')}; END",
        "shot_json_update": f"CREATE TRIGGER shot_json_update AFTER UPDATE ON shot BEGIN {put}; END",
        "shot_json_delete": "CREATE TRIGGER shot_json_delete AFTER DELETE ON shot BEGIN "
        "DELETE FROM shot_json WHERE shot_id = OLD.id; END",
    }


def ensure_shot_json(session: Session) -> bool:
    """Install this code's shot_json triggers and refill the table if the database holds others (or
    none: a new database, a migration that rebuilt `shot`, an older or newer studio). SQLite only;
    call it in the writer. Returns whether anything was rebuilt."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    wanted = shot_json_triggers()
    have = dict(session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'shot'")).all())
    if all(have.get(name) == sql for name, sql in wanted.items()):
        return False
    for name in have.keys() | wanted.keys():
        if name.startswith("shot_json_"):
            session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    session.execute(text("DELETE FROM shot_json"))
    session.execute(text(f"INSERT INTO shot_json (shot_id, body) SELECT id, {_shot_json_sql()} FROM shot"))
    for sql in wanted.values():
        session.execute(text(sql))
    return True


SQLITE_SHOTS = text(_sqlite_shots_sql())
SQLITE_SHOTS_BUILT = text(_sqlite_shots_built_sql())


def shot_dict(shot: Shot) -> dict[str, Any]:
    return {name: getattr(shot, name) for name in SHOT_NAMES}


def scene_dict(scene: Scene) -> dict[str, Any]:
    return {name: getattr(scene, name) for name in SCENE_NAMES}


def _iso(value: Any) -> Any:
    return value.replace(" ", "T") + "Z" if isinstance(value, str) else value


def _shot_row(row, raw_times: bool) -> dict[str, Any]:
    """One shot of the whole state: no project_id, no field at its default (as the SQLite path)."""
    values = list(row)
    for i in _JSON_POSITIONS:
        text = values[i]
        values[i] = None if text in (None, "[]", "null") else orjson.Fragment(text)
    if raw_times:
        for i in _TIME_POSITIONS:
            values[i] = _iso(values[i])
    return {
        k: v
        for k, v in zip(SHOT_NAMES, values)
        if k != "project_id" and v is not None and not (k in DEFAULT_IN_STATE and v == DEFAULT_IN_STATE[k])
    }


def _scene_row(row) -> dict[str, Any]:
    return {k: v for k, v in zip(SCENE_NAMES, row) if k != "project_id" and v != ""}


def _times(d: dict[str, Any]) -> dict[str, Any]:
    for key in ("created_at", "updated_at"):
        if key in d:
            d[key] = _iso(d[key])
    return d


def load_state(session: Session, project_id: str) -> dict[str, Any]:
    """Project + scenes (by index) + shots (by track, start frame, scene order). 404 if missing.

    Shots and scenes carry no project_id, shots no field at its default (ProjectState). JSON columns come
    back as orjson.Fragment: serialise the result with orjson.
    """
    raw = session.get_bind().dialect.name == "sqlite"
    project_cols, scene_cols, shot_cols = COLUMNS[raw]
    row = session.execute(select(*project_cols).where(table_of(Project).c.id == project_id)).first()
    if row is None:
        raise NotFound(f"project {project_id!r} does not exist")
    state = _times(dict(zip(PROJECT_FIELDS, row)))
    sc = table_of(Scene).c
    state["scenes"] = [
        _times(_scene_row(r))
        for r in session.execute(select(*scene_cols).where(sc.project_id == project_id).order_by(sc.index, sc.created_at))
    ]
    state["shots"] = shots_sqlite(session, project_id) if raw else shots_rows(session, project_id, shot_cols, raw)
    return state


def shots_sqlite(session: Session, project_id: str, built: bool = False) -> orjson.Fragment:
    """The shots array as JSON text from SQLite itself: from the read model, or (`built`) field by field."""
    query = SQLITE_SHOTS_BUILT if built else SQLITE_SHOTS
    # Joined here rather than by group_concat, which reallocates its way up to the whole array.
    return orjson.Fragment("[" + ",".join(session.execute(query, {"project_id": project_id}).scalars().all()) + "]")


def shots_rows(session: Session, project_id: str, shot_cols=COLUMNS[False][2], raw_times: bool = False) -> list[dict[str, Any]]:
    """The shots as dicts (any database)."""
    t = table_of(Shot).c
    return [
        _shot_row(r, raw_times)
        for r in session.execute(
            select(*shot_cols).where(t.project_id == project_id).order_by(t.track_index, t.start_frame, t.index, t.created_at)
        ).all()  # fetchall: one call into the driver instead of one per row
    ]
