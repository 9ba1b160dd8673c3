"""Storyboard (seed §6): parse a screenplay, commit it into the project, edit its cards, export it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Response

from milimo.api.deps import DbDep, ProjectId, ShotId, StudioDep
from milimo.context import Studio
from milimo.storyboard import Grid
from milimo.studio import storyboard, storyboard_batch, storyboard_edit, storyboard_generate, storyboard_jobs
from milimo.studio.ids import ID_PATTERN
from milimo.studio.storyboard_schemas import (
    AIParseQueued,
    BatchGenerate,
    BatchQueued,
    CommitRequest,
    MatchRequest,
    MatchResult,
    ParseRequest,
    ParseResult,
    SceneOrder,
    SceneRename,
    ShotAdd,
    ShotGenerate,
    ShotOrder,
    ShotQueued,
    StoryboardPublic,
    ThumbnailRequest,
    ThumbnailsQueued,
)
from milimo.studio.versions import require_project

project_router = APIRouter(prefix="/projects/{project_id}/storyboard", tags=["storyboard"])
shots_router = APIRouter(prefix="/storyboard/shots", tags=["storyboard"])

SceneId = Annotated[str, Path(pattern=ID_PATTERN, description="scene id")]
CONFLICT_DOC: dict[int | str, dict[str, Any]] = {
    409: {"description": "Based on an old version; the body carries `current` (ProjectState)."}
}


def _json(data: dict) -> Response:
    # Shots come as plain data with their JSON columns embedded verbatim (studio.state); orjson writes them.
    return Response(orjson.dumps(data, option=orjson.OPT_UTC_Z), media_type="application/json")


def _grid(studio: Studio, project_id: str) -> Grid:
    """The active video engine's frame grid at the project's rate (shot lengths are snapped to it)."""
    caps = studio.engines.get("video").capabilities
    with studio.db.read() as session:
        fps = require_project(session, project_id).fps
    return Grid(fps=fps, frame_step=caps.frame_step, native_max_frames=caps.native_max_frames)


@project_router.post("/parse", response_model=ParseResult)
def parse_storyboard(project_id: ProjectId, body: ParseRequest, studio: StudioDep) -> Response:
    """Parse a screenplay into scenes and shots; nothing is written. Shots the project has keep their ids."""
    return _json(storyboard.parse_for_project(studio.db, studio.settings, project_id, body, _grid(studio, project_id)))


@project_router.post("/ai-parse", response_model=AIParseQueued)
def ai_parse_storyboard(project_id: ProjectId, body: ParseRequest, studio: StudioDep) -> dict:
    """Seed §6.1: a job in which the text engine reads the script (parser fallback, the result says which ran and why).
    GET /status/{job_id} has the storyboard in `storyboard` when it completes; nothing is written to the project."""
    return storyboard_jobs.queue_ai_parse(studio, project_id, body, _grid(studio, project_id))


@project_router.post("/commit", response_model=StoryboardPublic, responses=CONFLICT_DOC)
def commit_storyboard(project_id: ProjectId, body: CommitRequest, studio: StudioDep) -> Response:
    """Store the storyboard: merge by id, delete only what was removed, new shots onto V1 in story order."""
    return _json(storyboard_edit.commit_storyboard(studio.db, studio.settings, project_id, body, _grid(studio, project_id)))


@project_router.get("", response_model=StoryboardPublic)
def read_storyboard(project_id: ProjectId, db: DbDep) -> Response:
    """The stored storyboard: scenes in order with their shots in order."""
    return _json(storyboard.get_storyboard(db, project_id))


@project_router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "the screenplay, as an attachment",
            "content": {"text/plain": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}}},
        }
    },
)
def export_storyboard(
    project_id: ProjectId,
    db: DbDep,
    format: Annotated[Literal["fountain", "fdx"], Query(description="fountain or fdx")] = "fountain",
) -> Response:
    """The stored storyboard as a screenplay file (Fountain or Final Draft)."""
    text, filename = storyboard.export_storyboard(db, project_id, format)
    media = "application/xml" if format == "fdx" else "text/plain; charset=utf-8"
    return Response(text, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})


@project_router.patch("/scenes/{scene_id}", response_model=StoryboardPublic, responses=CONFLICT_DOC)
def rename_scene(project_id: ProjectId, scene_id: SceneId, body: SceneRename, db: DbDep) -> Response:
    """Rename a scene (its heading)."""
    return _json(storyboard_edit.rename_scene(db, project_id, scene_id, body))


@project_router.post("/scenes/reorder", response_model=StoryboardPublic, responses=CONFLICT_DOC)
def reorder_scenes(project_id: ProjectId, body: SceneOrder, db: DbDep) -> Response:
    """Put the scenes in this order (every scene once); V1 follows the story order."""
    return _json(storyboard_edit.reorder_scenes(db, project_id, body))


@project_router.post("/shots/reorder", response_model=StoryboardPublic, responses=CONFLICT_DOC)
def reorder_shots(project_id: ProjectId, body: ShotOrder, db: DbDep) -> Response:
    """Put one scene's shots in this order (every shot once); V1 follows the story order."""
    return _json(storyboard_edit.reorder_shots(db, project_id, body))


@project_router.post("/shots", response_model=StoryboardPublic, status_code=201, responses=CONFLICT_DOC)
def add_shot(project_id: ProjectId, body: ShotAdd, studio: StudioDep) -> Response:
    """Add a shot to a scene (at `position`, default the end); it goes onto V1 in story order."""
    out = _json(storyboard_edit.add_shot(studio.db, project_id, body, _grid(studio, project_id)))
    out.status_code = 201
    return out


@project_router.delete("/shots/{shot_id}", response_model=StoryboardPublic, responses=CONFLICT_DOC)
def delete_shot(
    project_id: ProjectId, shot_id: ShotId, db: DbDep, base_version: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """Delete a shot; the rest of its scene is re-indexed and V1 closes the gap."""
    return _json(storyboard_edit.delete_shot(db, project_id, shot_id, base_version))


@project_router.post("/match-elements", response_model=MatchResult, responses=CONFLICT_DOC)
def match_elements(project_id: ProjectId, body: MatchRequest, db: DbDep) -> dict:
    """Match every storyboard shot against the project's elements again and store the matches."""
    return storyboard.match_project(db, project_id, body.base_version)


@project_router.post("/batch-generate", response_model=BatchQueued, responses=CONFLICT_DOC)
def batch_generate(project_id: ProjectId, body: BatchGenerate, studio: StudioDep) -> dict:
    """One job per shot, in story order; each waits for the one before it and continues from its last frame."""
    return storyboard_batch.batch_generate(studio, project_id, body.shot_ids, body.base_version)


@project_router.post("/thumbnails", response_model=ThumbnailsQueued)
def queue_thumbnails(project_id: ProjectId, body: ThumbnailRequest, studio: StudioDep) -> dict:
    """Concept art for shot cards (seed §6.2): one image job per shot without a thumbnail; videos are never touched."""
    return storyboard_jobs.queue_thumbnails(studio, project_id, body)


@shots_router.post("/{shot_id}/generate", response_model=ShotQueued, responses=CONFLICT_DOC)
def generate_shot(shot_id: ShotId, studio: StudioDep, body: ShotGenerate | None = None) -> dict:
    """Generate a storyboard shot, conditioned on its timeline image, its concept art or the previous shot's last frame."""
    return storyboard_generate.generate_shot(studio, shot_id, body.base_version if body else None)


# One router for app.py: the project's storyboard, and shots by id.
router = APIRouter()
router.include_router(project_router)
router.include_router(shots_router)
