"""Project versions: optimistic concurrency for every client-driven change."""

from __future__ import annotations

from sqlmodel import Session

from milimo.db.models import Project, utcnow
from milimo.errors import Conflict, NotFound
from milimo.studio.state import load_state


def require_project(session: Session, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id!r} does not exist")
    return project


def bump_version(project: Project) -> None:
    """Every client-driven change moves the version on; stale saves are detected against it."""
    project.version += 1
    project.updated_at = utcnow()


def check_base_version(session: Session, project: Project, base_version: int | None) -> None:
    if base_version is not None and base_version != project.version:
        raise Conflict(
            f"this change is based on version {base_version} of the project, but the server has version "
            f"{project.version}; reload (the current state is attached), re-apply your edits and save again",
            current=load_state(session, project.id),
        )
