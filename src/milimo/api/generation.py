"""Generation and jobs: POST /generate/advanced (seed §1), /generate/image (§2), status, cancel (§8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from milimo.api.deps import JobId, ProjectId, StudioDep
from milimo.jobs import cancel, store
from milimo.jobs.schemas import CancelResult, JobPublic
from milimo.studio import generation, images
from milimo.studio.element_schemas import ImageQueued
from milimo.studio.generation_schemas import GenerateAdvanced, GenerateImage, Queued

router = APIRouter(tags=["generation"])


@router.post("/generate/advanced", response_model=Queued)
def generate_advanced(body: GenerateAdvanced, studio: StudioDep) -> dict:
    """Queue a shot's video (or, at one frame, its image); says which values were snapped to the engine grid."""
    return {"status": "queued", **generation.submit_advanced(studio, body)}


@router.post("/generate/image", response_model=ImageQueued)
def generate_image(body: GenerateImage, studio: StudioDep) -> dict:
    """Queue an image (Flux 2, or the storyboard-card draft engine) with its elements and references resolved:
    says which references the engine gets, in order, and which element images were over its limit."""
    return {"status": "queued", **images.submit_image(studio, body)}


@router.get("/status/{job_id}", response_model=JobPublic)
def read_status(job_id: JobId, studio: StudioDep) -> dict:
    """A job as its row says, at any time (the reload path of seed §5)."""
    return store.job_dict(store.get_job(studio.db, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=CancelResult)
def cancel_job(job_id: JobId, studio: StudioDep) -> dict:
    """Cancel: a pending job at once, a running one at its next step."""
    return {"job_id": job_id, "status": cancel.cancel_job(studio, job_id)}


@router.get("/projects/{project_id}/jobs", response_model=list[JobPublic])
def read_project_jobs(project_id: ProjectId, studio: StudioDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    """Active jobs first, then recent ones."""
    return store.list_jobs(studio.db, project_id, limit)
