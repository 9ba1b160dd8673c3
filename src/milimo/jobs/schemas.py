"""Request and response models for generation and jobs (seed §1, §2, §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from milimo.studio.schemas import Id, Seed, ShotFields, Size, Text


class ShotConfig(ShotFields):
    """The shot to generate (seed §1 `shot_config`). An unknown id creates the shot; for an existing
    shot, the fields sent override its own and everything else keeps its saved value."""

    id: Id | None = None
    prompt: Text
    num_inference_steps: Annotated[int, Field(ge=1, le=200, description="the seed's name for steps")] | None = None


class GenerateAdvanced(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project_id: Id
    shot_config: ShotConfig


class Adjustment(BaseModel):
    field: str
    requested: int
    used: int
    reason: str


class Queued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    shot_id: str | None = None
    project_version: int | None = None
    pipeline: str | None = None
    chained: bool = False
    engine: str
    adjustments: list[Adjustment] = []


class GenerateImage(BaseModel):
    """Seed §2. reference_images: asset ids or media URLs of this project."""

    model_config = ConfigDict(extra="forbid")
    project_id: Id
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    negative_prompt: Text = ""
    width: Size = 1024
    height: Size = 1024
    num_inference_steps: Annotated[int, Field(ge=1, le=200)] = 4
    guidance_scale: Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)] = 2.0
    seed: Seed | None = None
    reference_images: Annotated[list[Annotated[str, StringConstraints(max_length=2048)]], Field(max_length=8)] = []
    enable_true_cfg: bool = False
    enhance_prompt: bool = False


class JobPublic(BaseModel):
    job_id: str
    id: str
    project_id: str | None
    shot_id: str | None
    type: str
    status: str
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
