"""Response models of jobs: a job's row as GET /status and the jobs list show it, and cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from milimo.db.states import JobStatus, JobType


class JobPublic(BaseModel):
    job_id: str
    id: str
    project_id: str | None
    shot_id: str | None
    after_job_id: str | None = Field(None, description="the job this one waits for (still first: the shot's still)")
    # `| str`: a value this version does not know (a type a newer version queued) is shown as stored, not a 500.
    type: JobType | str
    status: JobStatus | str
    progress: float
    status_message: str
    eta_seconds: float | None
    engine: str | None
    engine_version: str | None
    params: dict[str, Any]
    outputs: dict[str, Any]
    error: str | None
    video_url: str | None
    url: str | None
    thumbnail_url: str | None
    enhanced_prompt: str | None
    actual_frames: int | None
    asset_id: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class CancelResult(BaseModel):
    job_id: str
    status: Literal["cancelling", "cancelled"]
