"""Renders of the cut: queue one (POST /projects/{id}/render) and list the finished ones.

Submit checks what it can at once, so a bad request is a 4xx and not a failed job: the project
exists, the timeline is not empty, the range lies inside the cut as it is now, the format's
encoder exists. The job renders the cut as it is when it runs (docs/render.md).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from milimo.db.states import JobType
from milimo.jobs import store
from milimo.jobs.params import RenderParams
from milimo.jobs.services import Services
from milimo.render.cut import load_cut
from milimo.render.master import RenderOptions, check_options, render_range
from milimo.studio.assets import list_assets
from milimo.studio.ids import new_id
from milimo.studio.versions import require_project

TrackName = Literal["V1", "V2", "A1"]
MAX_FRAME = 100_000_000


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    format: Literal["mp4", "prores"] = "mp4"
    quality: Literal["draft", "standard", "high"] = Field(
        default="standard", description="H.264 only: draft (crf 23, veryfast), standard (crf 18, medium), high (crf 14, slow)"
    )
    # Bounded as every frame offset is (studio/schemas.FrameOffset): a 2^80 frame was a 500, not a 422.
    in_frame: int | None = Field(default=None, ge=0, le=MAX_FRAME, description="first frame rendered (default 0)")
    out_frame: int | None = Field(
        default=None, ge=1, le=MAX_FRAME, description="first frame not rendered (default: the timeline end)"
    )
    muted: list[TrackName] = Field(default=[], max_length=3, description="tracks whose sound is left out")
    solo: list[TrackName] = Field(default=[], max_length=3, description="when set, only these tracks sound")


class RenderQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    project_id: str
    format: str
    in_frame: int
    out_frame: int
    duration_frames: int  # the whole timeline's length
    project_version: int
    warnings: list[str] = []  # clips without a usable take (they render black or as a gap)


def submit_render(services: Services, project_id: str, req: RenderRequest) -> dict[str, Any]:
    cut = load_cut(services.db, services.settings, project_id, muted=req.muted, solo=req.solo)
    options = RenderOptions.for_quality(req.quality, format=req.format, in_frame=req.in_frame, out_frame=req.out_frame)
    check_options(cut, options)
    lo, hi = render_range(cut, options)
    job_id = new_id("job_")

    def write(session: Session) -> int:
        project = require_project(session, project_id)
        params = RenderParams(
            format=req.format,
            quality=req.quality,
            in_frame=lo,
            out_frame=hi,
            muted=req.muted,
            solo=req.solo,
            project_version=project.version,
        )
        session.add(store.queued_job(job_id, project_id, JobType.render, params, status_message="Queued"))
        return project.version

    version = services.db.write(write)
    services.executor.wake()
    return {
        "job_id": job_id,
        "project_id": project_id,
        "format": req.format,
        "in_frame": lo,
        "out_frame": hi,
        "duration_frames": cut.duration_frames,
        "project_version": version,
        "warnings": list(cut.warnings),
    }


def list_renders(services: Services, project_id: str) -> list[dict[str, Any]]:
    """Finished renders of the project, newest first (assets of kind `render`)."""
    return list_assets(services.db, project_id, kind="render")
