"""Reading a project's whole state (project + scenes + shots) fast, as dicts ready for JSON.

GET /projects/{id} is the hottest read (every load, every 409): it uses Core selects and
plain dicts instead of ORM objects and per-field model validation, which keeps a
2,000-shot project well under the 25 ms budget (bench/bench_projects.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from milimo.db.models import Project, Scene, Shot
from milimo.errors import NotFound
from milimo.studio.schemas import ScenePublic, ShotPublic

SHOT_COLUMNS = [Shot.__table__.c[name] for name in ShotPublic.model_fields]
SCENE_COLUMNS = [Scene.__table__.c[name] for name in ScenePublic.model_fields]
PROJECT_FIELDS = ("id", "name", "resolution_w", "resolution_h", "fps", "seed", "script_text", "version", "created_at", "updated_at")
PROJECT_COLUMNS = [Project.__table__.c[name] for name in PROJECT_FIELDS]


def shot_dict(shot: Shot) -> dict[str, Any]:
    return {name: getattr(shot, name) for name in ShotPublic.model_fields}


def scene_dict(scene: Scene) -> dict[str, Any]:
    return {name: getattr(scene, name) for name in ScenePublic.model_fields}


def load_state(session: Session, project_id: str) -> dict[str, Any]:
    """Project + scenes (by index) + shots (by track, start frame, scene order). 404 if missing."""
    row = session.execute(select(*PROJECT_COLUMNS).where(Project.__table__.c.id == project_id)).mappings().first()
    if row is None:
        raise NotFound(f"project {project_id!r} does not exist")
    state = dict(row)
    state["scenes"] = [
        dict(r)
        for r in session.execute(
            select(*SCENE_COLUMNS).where(Scene.__table__.c.project_id == project_id).order_by(Scene.__table__.c.index)
        ).mappings()
    ]
    t = Shot.__table__.c
    state["shots"] = [
        dict(r)
        for r in session.execute(
            select(*SHOT_COLUMNS)
            .where(t.project_id == project_id)
            .order_by(t.track_index, t.start_frame, t.index, t.created_at)
        ).mappings()
    ]
    return state
