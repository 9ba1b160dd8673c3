"""What a finished job leaves: its outputs (the row, GET /status) and the take it gives its shot."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict


class JobOutputs(BaseModel):
    """The row's `outputs`, flattened into GET /status (seed §5 reload path). Job types add fields."""

    model_config = ConfigDict(extra="allow")
    url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    asset_id: str | None = None
    engine: str | None = None
    enhanced_prompt: str | None = None
    actual_frames: int | None = None
    has_audio: bool | None = None


@dataclass(frozen=True)
class ShotTake:
    """A finished take written back to the job's shot: its media and who made it (status -> completed)."""

    media_asset_id: str
    video_url: str
    thumbnail_url: str | None
    engine: str
    actual_frames: int
