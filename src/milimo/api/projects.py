"""Projects: create, list, load, delete, save (seed §7)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from milimo.api.deps import DbDep, ProjectId, SettingsDep, StudioDep
from milimo.studio import projects
from milimo.studio.schemas import ProjectCreate, ProjectPage, ProjectSave, ProjectState

router = APIRouter(tags=["projects"])

CONFLICT_DOC = {409: {"description": "The save is based on an old version; the body carries `current` (ProjectState)."}}


def _json(data: dict, status_code: int = 200) -> Response:
    # The state is already plain data in the response model's shape; orjson writes it directly
    # (validated by tests), which is what keeps a 2,000-shot load inside its budget.
    return Response(orjson.dumps(data, option=orjson.OPT_UTC_Z), status_code=status_code, media_type="application/json")


@router.post("/projects", response_model=ProjectState, status_code=201)
def create_project(body: ProjectCreate, db: DbDep, settings: SettingsDep) -> Response:
    """Create a project and its folders."""
    return _json(projects.create_project(db, settings, body), 201)


@router.get("/projects", response_model=ProjectPage)
def read_projects(
    db: DbDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProjectPage:
    """List projects, newest first."""
    return projects.list_projects(db, offset, limit)


@router.get("/projects/{project_id}", response_model=ProjectState)
def read_project(project_id: ProjectId, db: DbDep) -> Response:
    """The whole project: settings, scenes and shots, every field."""
    return _json(projects.get_project(db, project_id))


@router.delete("/projects/{project_id}")
def delete_project(project_id: ProjectId, studio: StudioDep) -> dict:
    """Delete the project, all its rows and its folder (its running jobs are cancelled first)."""
    projects.delete_project(studio, project_id)
    return {"status": "deleted", "id": project_id}


@router.put("/projects/{project_id}/save", response_model=ProjectState, responses=CONFLICT_DOC)
def save_project(project_id: ProjectId, body: ProjectSave, db: DbDep) -> Response:
    """Save changes based on `base_version`; deletes only what `deleted_*` names."""
    return _json(projects.save_project(db, project_id, body))
