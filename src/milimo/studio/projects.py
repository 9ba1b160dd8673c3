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
from milimo.db.models import Project, Scene, Shot, table_of
from milimo.errors import Invalid
from milimo.jobs.cancel import cancel_project_jobs
from milimo.jobs.services import Services
from milimo.studio import shots as shot_rules
from milimo.studio.ids import new_id
from milimo.studio.schemas import (
    IGNORED_IN_SAVE,
    ProjectCreate,
    ProjectPage,
    ProjectSave,
    ProjectSummary,
    ShotUpsert,
)
from milimo.studio.state import SHOT_NAMES, load_state, scene_dict
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
        rows = (
            session.execute(
                select(
                    p.id,
                    p.name,
                    p.resolution_w,
                    p.resolution_h,
                    p.fps,
                    p.seed,
                    p.version,
                    p.created_at,
                    p.updated_at,
                    func.coalesce(counts.c.n, 0).label("shot_count"),
                )
                .outerjoin(counts, counts.c.project_id == p.id)
                .order_by(p.created_at.desc(), p.id)
                .offset(offset)
                .limit(limit)
            )
            .mappings()
            .all()
        )
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
    """Apply a save atomically (all of it or nothing); answer the new version and what the server changed.

    Shots re-sent unchanged are not written (an autosave that re-sends the project writes only
    the version). The answer lists, per shot and scene, only the fields the server set
    differently from what was sent (SaveResult)."""
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

        scene_changes = _save_scenes(session, project_id, save)
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
        shot_changes = []
        for item in save.shots:
            new = not (item.id and (item.id in batch.stored_ids or item.id in batch.existing))
            shot = batch.upsert(item)
            change = shot and _server_changes(shot, item, new)
            if change:
                shot_changes.append(change)
        bump_version(project)
        session.flush()
        return {"version": project.version, "updated_at": project.updated_at, "shots": shot_changes, "scenes": scene_changes}

    return db.write(write)


_TAKE_FIELDS = ("media_asset_id", "status", "video_url", "thumbnail_url", "engine", "actual_frames")


def _server_changes(shot: Shot, item: ShotUpsert, new: bool) -> dict[str, Any] | None:
    """The fields of `shot` the client does not already know from what it sent in `item`: for a
    new shot everything it did not send; for a shot whose media_asset_id was sent, its whole take."""
    sent = item.model_fields_set - IGNORED_IN_SAVE
    out: dict[str, Any] = {}
    for name in SHOT_NAMES if new else sent:
        value = getattr(shot, name)
        if name in sent:
            mine = getattr(item, name)
            if mine is None and name not in shot_rules.NULLABLE_FIELDS:
                mine = value  # null means "no change"
            elif name in ("timeline", "matched_elements") and mine is not None:
                mine = [x.model_dump() if hasattr(x, "model_dump") else x for x in mine]
            if mine == value:
                continue
        out[name] = value
    if "media_asset_id" in sent:  # the take follows the asset: all of it, as the server derived it
        out.update({name: getattr(shot, name) for name in _TAKE_FIELDS})
    if not out and not new:
        return None
    return {"id": shot.id, **out}


def _save_scenes(session: Session, project_id: str, save: ProjectSave) -> list[dict[str, Any]]:
    """Upsert the saved scenes; the new ones come back whole (their id, index and time are the server's)."""
    existing_max = session.execute(
        select(func.max(table_of(Scene).c.index)).where(table_of(Scene).c.project_id == project_id)
    ).scalar_one()
    next_index = -1 if existing_max is None else existing_max
    created: list[Scene] = []
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
            scene = Scene(id=item.id or new_id(), project_id=project_id, **fields)
            session.add(scene)
            created.append(scene)
        else:
            for key, value in fields.items():
                setattr(scene, key, value)
    session.flush()
    return [scene_dict(scene) for scene in created]
