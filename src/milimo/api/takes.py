"""Takes: every generated take of a project's shots, with readable names and out-of-date marks;
"smooth motion ×2" makes a new take of one at twice its frame rate.

Choosing one is an ordinary save of the shot's `media_asset_id` (PUT /projects/{id}/save).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from milimo.api.deps import AssetId, DbDep, ProjectId, SettingsDep, StudioDep
from milimo.studio import smooth_motion, takes
from milimo.studio.ids import ID_PATTERN
from milimo.studio.takes import TakeList

router = APIRouter(tags=["takes"])


@router.get("/projects/{project_id}/takes", response_model=TakeList, responses={404: {"description": "No such project"}})
def read_takes(
    project_id: ProjectId, db: DbDep, settings: SettingsDep, shot_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None
) -> dict:
    """Every take of every shot (or of one shot): what it was made with, what changed since, which one the shot shows."""
    return takes.list_takes(db, settings, project_id, shot_id)


class SmoothRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    engine: Literal["auto", "draft", "ltx2"] = Field(
        "auto",
        description="auto: LTX-2.5's temporal refine when the take kept its DFR state and that model is the video engine, "
        "else the draft optical-flow interpolator; ltx2: the refine or a 422 saying why not; draft: the interpolator",
    )


class SmoothQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    shot_id: str
    engine: str = Field(description="the engine recorded on the job and the new take")
    refine: Literal["draft", "ltx2"]
    note: str = Field(description="why this engine: e.g. why the take cannot be refined by LTX-2.5")
    source_fps: float
    fps: float = Field(description="the new take's rate (twice the source's)")
    source_frames: int


@router.post(
    "/projects/{project_id}/takes/{asset_id}/smooth",
    response_model=SmoothQueued,
    status_code=202,
    responses={404: {"description": "No such project or asset"}},
)
def smooth_take(project_id: ProjectId, asset_id: AssetId, studio: StudioDep, body: SmoothRequest | None = None) -> dict:
    """Queue "smooth motion ×2": a new take of the same shot at twice the frame rate, same length, same sound.
    Its `complete` event (type "smooth_motion") carries the new take's asset_id."""
    return smooth_motion.submit_smooth_motion(studio, project_id, asset_id, engine=(body or SmoothRequest()).engine)
