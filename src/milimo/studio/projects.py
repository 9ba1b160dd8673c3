"""Projects: create, list, load, delete, and the safe save of seed §7.

Safe save rules (the public implementation lost data on every stale autosave):
- a save names the version its copy is based on; an older version gets 409 with the
  current state, and nothing is written;
- only scenes and shots the client explicitly deleted are deleted;
- server-owned shot fields (status, video_url, ...) are never taken from a client.
"""

from __future__ import annotations

import shutil
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from milimo.config import PROJECT_FOLDERS, Settings
from milimo.db.database import Database
from milimo.jobs.cancel import cancel_project_jobs
from milimo.jobs.services import Services
from milimo.db.models import Project, Scene, Shot, table_of
from milimo.errors import Invalid
from milimo.studio import shots as shot_rules
from milimo.studio.ids import new_id
from milimo.studio.schemas import ProjectCreate, ProjectPage, ProjectSave, ProjectSummary
from milimo.studio.state import load_state
from milimo.studio.versions import bump_version, check_base_version, require_project


def create_project(db: Database, settings: Settings, data: ProjectCreate) -> dict[str, Any]:
    project_id = new_id()
    folder = settings.project_dir(project_id)
    for sub in PROJECT_FOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)

    def write(session: Session) -> dict[str, Any]:
        session.add(Project(id=project_id, **data.model_dump()))
        session.flush()
        return load_state(session, project_id)

    try:
        return db.write(write)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def list_projects(db: Database, offset: int, limit: int) -> ProjectPage:
    p, s = table_of(Project).c, table_of(Shot).c
    counts = select(s.project_id, func.count().label("n")).group_by(s.project_id).subquery()
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(table_of(Project))).scalar_one()
        rows = session.execute(
            select(p.id, p.name, p.resolution_w, p.resolution_h, p.fps, p.seed, p.version, p.created_at, p.updated_at,
                   func.coalesce(counts.c.n, 0).label("shot_count"))
            .outerjoin(counts, counts.c.project_id == p.id)
            .order_by(p.created_at.desc(), p.id)
            .offset(offset)
            .limit(limit)
        ).mappings().all()
    return ProjectPage(items=[ProjectSummary(**r) for r in rows], total=total, offset=offset, limit=limit)


def get_project(db: Database, project_id: str) -> dict[str, Any]:
    with db.read() as session:
        return load_state(session, project_id)


def delete_project(services: Services, project_id: str) -> None:
    """Delete the project, every child row (cascade) and its folder, once its running jobs have stopped."""
    with services.db.read() as session:
        require_project(session, project_id)
    cancel_project_jobs(services, project_id)

    def write(session: Session) -> None:
        require_project(session, project_id)
        session.execute(delete(table_of(Project)).where(table_of(Project).c.id == project_id))

    services.db.write(write)
    shutil.rmtree(services.settings.project_dir(project_id), ignore_errors=True)


def save_project(db: Database, project_id: str, save: ProjectSave) -> dict[str, Any]:
    """Apply a save atomically (all of it or nothing) and return the new state."""
    overlap = set(save.deleted_shot_ids) & {s.id for s in save.shots if s.id}
    if overlap:
        raise Invalid(f"shot {sorted(overlap)[0]!r} is both saved and deleted in this request; send it in one list only")

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, project_id)
        check_base_version(session, project, save.base_version)

        if save.project is not None:
            for key, value in save.project.model_dump(exclude_unset=True).items():
                if value is not None:
                    setattr(project, key, value)

        _save_scenes(session, project_id, save)
        if save.deleted_scene_ids:
            session.execute(
                delete(table_of(Scene)).where(
                    table_of(Scene).c.project_id == project_id, table_of(Scene).c.id.in_(save.deleted_scene_ids)
                )
            )
        if save.deleted_shot_ids:
            session.execute(
                delete(table_of(Shot)).where(
                    table_of(Shot).c.project_id == project_id, table_of(Shot).c.id.in_(save.deleted_shot_ids)
                )
            )
        session.flush()
        batch = shot_rules.ShotBatch(session, project, save.shots)
        for item in save.shots:
            batch.upsert(item)
        bump_version(project)
        session.flush()
        return load_state(session, project_id)

    return db.write(write)


def _save_scenes(session: Session, project_id: str, save: ProjectSave) -> None:
    existing_max = session.execute(
        select(func.max(table_of(Scene).c.index)).where(table_of(Scene).c.project_id == project_id)
    ).scalar_one()
    next_index = -1 if existing_max is None else existing_max
    for item in save.scenes:
        fields = item.model_dump(exclude_unset=True, exclude={"id", "project_id", "created_at"})
        fields = {k: v for k, v in fields.items() if v is not None}
        scene = session.get(Scene, item.id) if item.id else None
        if scene is not None and scene.project_id != project_id:
            raise Invalid(f"scene {item.id!r} belongs to another project; send a new id or none")
        if scene is None:
            if "index" not in fields:
                next_index += 1
                fields["index"] = next_index
            session.add(Scene(id=item.id or new_id(), project_id=project_id, **fields))
        else:
            for key, value in fields.items():
                setattr(scene, key, value)
    session.flush()
