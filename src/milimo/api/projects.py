"""Projects: create, list, load, delete, save (seed §7)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from milimo.api.deps import DbDep, ProjectId, SettingsDep, StudioDep
from milimo.jobs import store
from milimo.studio import projects
from milimo.studio.schemas import ProjectCreate, ProjectPage, ProjectSave, ProjectState, SaveResult

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
    if studio.executor is not None:
        studio.executor.cancel_and_wait(store.active_job_ids(studio.db, project_id), studio.settings.shutdown_grace_s + 3)
    projects.delete_project(studio.db, studio.settings, project_id)
    return {"status": "deleted", "id": project_id}


def _inline_schema(model) -> dict:
    """The model's JSON schema with its $defs written in place (an OpenAPI operation cannot carry $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


SAVE_BODY_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema": _inline_schema(ProjectSave)}}}}


@router.put("/projects/{project_id}/save", response_model=SaveResult, responses=CONFLICT_DOC, openapi_extra=SAVE_BODY_DOC)
async def save_project(project_id: ProjectId, request: Request, db: DbDep) -> Response:
    """Save changes based on `base_version`; deletes only what `deleted_*` names. Answers the new
    version and what the server changed (SaveResult), not the whole state.

    The body (ProjectSave) is read here but parsed, validated and applied in a worker thread: a
    whole-project save is ~1.3 MB of JSON, which must not hold the event loop."""
    raw = await request.body()

    def parse_and_save() -> bytes:
        try:
            save = projects.parse_save(raw)
        except ValidationError as e:
            raise RequestValidationError([{**err, "loc": ("body", *err["loc"])} for err in e.errors()]) from None
        return orjson.dumps(projects.save_project(db, project_id, save), option=orjson.OPT_UTC_Z)

    return Response(await run_in_threadpool(parse_and_save), media_type="application/json")
