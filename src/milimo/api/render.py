"""Rendering the cut: POST /projects/{id}/render queues a master, GET /projects/{id}/renders lists them."""

from __future__ import annotations

from fastapi import APIRouter

from milimo.api.deps import ProjectId, StudioDep
from milimo.render import submit
from milimo.render.submit import RenderQueued, RenderRequest
from milimo.studio.schemas import AssetPublic

router = APIRouter(tags=["render"])


@router.post("/projects/{project_id}/render", response_model=RenderQueued, status_code=202)
def render_project(project_id: ProjectId, body: RenderRequest, studio: StudioDep) -> dict:
    """Queue a render of the cut (or a range of it); progress, `complete` and `cancelled` come as job events."""
    return {"status": "queued", **submit.submit_render(studio, project_id, body)}


@router.get("/projects/{project_id}/renders", response_model=list[AssetPublic])
def list_project_renders(project_id: ProjectId, studio: StudioDep) -> list[dict]:
    """Finished renders, newest first: each an asset with its URL (download or play) and thumbnail."""
    return submit.list_renders(studio, project_id)
