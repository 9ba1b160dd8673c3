"""Projects: create, list, load, delete, save (seed §7)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError

from milimo.api.bodies import PiecewiseJSON
from milimo.api.deps import DbDep, ProjectId, SettingsDep, StudioDep
from milimo.studio import projects
from milimo.studio.schemas import (
    ProjectCreate,
    ProjectPage,
    ProjectSave,
    ProjectState,
    SaveResult,
)

router = APIRouter(tags=["projects"])

CONFLICT_DOC: dict[int | str, dict[str, Any]] = {
    409: {"description": "The save is based on an old version; the body carries `current` (ProjectState)."}
}


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


class ParsedOffLoop(APIRoute):
    """A route whose JSON body model is parsed and validated in a worker thread.

    FastAPI reads, decodes (json.loads) and validates a body on the event loop; a whole-project
    save is ~1 MB, which would hold every other request for tens of milliseconds. Here the
    bytes are read on the loop, then pydantic-core parses and validates them in a thread, in
    pieces that each hold the GIL briefly (api/bodies.py), and FastAPI receives the finished
    model (a model instance passes its validation unchanged). The route's signature, and so
    the OpenAPI schema, stay the ordinary ones."""

    def get_route_handler(self):
        handler = super().get_route_handler()
        body = PiecewiseJSON(self.body_field.field_info.annotation)

        def parse(raw: bytes):
            try:
                return body.validate_json(raw)
            except ValidationError as e:
                raise RequestValidationError([{**err, "loc": ("body", *err["loc"])} for err in e.errors()]) from None

        async def route(request: Request) -> Response:
            raw = await request.body()
            if raw:
                request._json = await run_in_threadpool(parse, raw)  # what Request.json() returns from now on
            return await handler(request)

        return route


def save_project(project_id: ProjectId, body: ProjectSave, db: DbDep) -> Response:
    """Save changes based on `base_version`; deletes only what `deleted_*` names. Answers the new
    version and what the server changed (SaveResult), not the whole state: GET the project for that."""
    return _json(projects.save_project(db, project_id, body))


router.add_api_route(
    "/projects/{project_id}/save",
    save_project,
    methods=["PUT"],
    response_model=SaveResult,
    responses=CONFLICT_DOC,
    route_class_override=ParsedOffLoop,
)
