"""Masks, detection and tracking (seed §3): thin routes over studio.segmentation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from milimo.api.deps import DbDep, SettingsDep, StudioDep
from milimo.sam_service.prompts import Box, Labels, Points, Threshold
from milimo.studio import clip_inpainting, inpainting, mattes, segmentation
from milimo.studio.ids import ID_PATTERN
from milimo.studio.schemas import AssetPublic

router = APIRouter(prefix="/edit", tags=["edit"])

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Url = Annotated[str, StringConstraints(max_length=2048)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SessionId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    asset_id: Id | None = None
    url: Url | None = Field(None, description="a media URL this server issued, e.g. /projects/{id}/generated/x.jpg")

    @model_validator(mode="after")
    def _needs_source(self) -> _Source:
        if not self.asset_id and not self.url:
            raise ValueError("name the image by asset_id or by a url the server issued")
        return self


class SegmentRequest(_Source):
    points: Points | None = Field(None, description="[[x, y], ...] in pixels of the image")
    labels: Labels | None = Field(None, description="one per point: 1 = the object, 0 = not the object")
    box: Box | None = Field(None, description="[x0, y0, x1, y1] in pixels")
    mask_threshold: Threshold = 0.5

    @model_validator(mode="after")
    def _needs_prompt(self) -> SegmentRequest:
        if not self.points and not self.box:
            raise ValueError("give points (clicks) or a box")
        return self


class TextRequest(_Source):
    text: Text
    confidence: Threshold = 0.5
    mask_threshold: Threshold = 0.5


class DetectRequest(TextRequest):
    max_objects: Annotated[int, Field(ge=1, le=50)] = 10


class MaskResult(BaseModel):
    asset: AssetPublic
    url: str
    engine: str
    score: float | None = None
    objects: int | None = None


class DetectedObject(BaseModel):
    asset: AssetPublic
    url: str
    bbox: list[float]
    score: float
    label: str
    area: int


class DetectResult(BaseModel):
    objects: list[DetectedObject]
    count: int
    prompt: str
    engine: str


class TrackStart(_Source):
    pass


class TrackPrompt(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    session_id: SessionId
    frame_idx: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    obj_id: Annotated[int, Field(ge=1, le=1000)] = 1
    points: Points | None = None
    labels: Labels | None = None
    box: Box | None = None
    text: Text | None = None
    mask_threshold: Threshold = 0.5
    confidence: Threshold = 0.5


class TrackPropagate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    session_id: SessionId
    direction: Literal["forward", "backward", "both"] = "forward"
    start_frame: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    max_frames: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    mask_threshold: Threshold = 0.5


class TrackStop(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    session_id: SessionId


class InpaintRequest(BaseModel):
    """Image and mask by asset id or by a media URL of the project; white in the mask is repainted."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    image: Url = Field(description="asset id or issued URL of the still")
    mask: Url = Field(description="asset id or issued URL of the mask (white = repaint)")
    prompt: Annotated[str, StringConstraints(max_length=2000)] = ""
    negative_prompt: Annotated[str, StringConstraints(max_length=2000)] = ""
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    steps: Annotated[int, Field(ge=1, le=100)] = 4
    strength: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.9
    guidance: Annotated[float, Field(ge=0, le=20, allow_inf_nan=False)] = 1.0
    feather_px: Annotated[int, Field(ge=0, le=64)] = 3


class InpaintClipRequest(BaseModel):
    """A tracked mask sequence by asset id; the clip is the one it was tracked on. White in each frame's mask is repainted."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)  # numbers are numbers: `true` is not 1

    project_id: Id
    mask_sequence: Id = Field(description="asset id of a mask_sequence (what Track saved)")
    prompt: Annotated[str, StringConstraints(max_length=2000)] = ""
    negative_prompt: Annotated[str, StringConstraints(max_length=2000)] = ""
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] | None = None
    steps: Annotated[int, Field(ge=1, le=100)] = 4
    strength: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.9
    guidance: Annotated[float, Field(ge=0, le=20, allow_inf_nan=False)] = 1.0
    feather_px: Annotated[int, Field(ge=0, le=64)] = 3
    grow_px: Annotated[
        int,
        Field(
            ge=0,
            le=32,
            description="each frame's mask grown by this much first: a tracked mask hugs the object, and its edge pixels (inside the feather) would keep the object's colour",
        ),
    ] = 4


class InpaintClipQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    engine: str
    seed: int
    frames: int = Field(description="frames the sequence masks (each is repainted)")
    num_frames: int = Field(description="frames of the clip (the rest pass through)")


class MatteRequest(BaseModel):
    """A tracked mask sequence by asset id, as a black-and-white clip the length of the clip it was tracked on."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Id
    mask_sequence: Id = Field(description="asset id of a mask_sequence (what Track saved)")
    grow_px: Annotated[int, Field(ge=0, le=32, description="each frame's mask grown by this much")] = 0
    feather_px: Annotated[int, Field(ge=0, le=64, description="soft edge (Gaussian), in pixels")] = 0
    invert: bool = Field(False, description="white outside the objects instead of inside")


class MatteQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    frames: int = Field(description="frames the sequence masks (white)")
    num_frames: int = Field(description="frames of the matte: every frame of the clip (black where nothing is masked)")


class InpaintQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    engine: str
    seed: int


def _source(db: DbDep, settings: SettingsDep, body: _Source) -> segmentation.Source:
    return segmentation.resolve_source(db, settings, body.project_id, body.asset_id, body.url)


@router.get("/sam/status")
async def read_sam_status(settings: SettingsDep) -> dict[str, Any]:
    """Whether the segmentation service is up (SAM 3), draft (OpenCV) or down."""
    return await segmentation.status(settings)


@router.post("/segment", response_model=MaskResult, status_code=201)
async def create_mask(body: SegmentRequest, db: DbDep, settings: SettingsDep) -> dict:
    """Clicks and/or a box on a still -> a mask asset (masks/{base}_mask_{uuid6}.png)."""
    return await segmentation.segment(
        db, settings, body.project_id, _source(db, settings, body), body.points, body.labels, body.box, body.mask_threshold
    )


@router.post("/segment-text", response_model=MaskResult, status_code=201)
async def create_text_mask(body: TextRequest, db: DbDep, settings: SettingsDep) -> dict:
    """Everything matching the text, merged into one mask asset (needs SAM 3; 501 otherwise)."""
    return await segmentation.segment_text(
        db, settings, body.project_id, _source(db, settings, body), body.text, body.confidence, body.mask_threshold
    )


@router.post("/detect", response_model=DetectResult)
async def detect_objects(body: DetectRequest, db: DbDep, settings: SettingsDep) -> dict:
    """Objects matching the text, with scores, each as a mask asset to pick from (needs SAM 3; 501 otherwise)."""
    return await segmentation.detect(
        db,
        settings,
        body.project_id,
        _source(db, settings, body),
        body.text,
        body.confidence,
        body.mask_threshold,
        body.max_objects,
    )


@router.post("/inpaint", response_model=InpaintQueued, status_code=202)
def create_inpaint(body: InpaintRequest, studio: StudioDep) -> dict:
    """Queue an `inpaint` job; its `complete` event (type "inpaint") carries the new still's asset_id."""
    return inpainting.submit_inpaint(
        studio,
        body.project_id,
        body.image,
        body.mask,
        prompt=body.prompt,
        negative_prompt=body.negative_prompt,
        seed=body.seed,
        steps=body.steps,
        strength=body.strength,
        guidance=body.guidance,
        feather_px=body.feather_px,
    )


@router.post("/inpaint-clip", response_model=InpaintClipQueued, status_code=202)
def create_clip_inpaint(body: InpaintClipRequest, studio: StudioDep) -> dict:
    """Queue an `inpaint_clip` job; its `complete` event (type "inpaint_clip") carries the new video's asset_id."""
    return clip_inpainting.submit_inpaint_clip(
        studio,
        body.project_id,
        body.mask_sequence,
        prompt=body.prompt,
        negative_prompt=body.negative_prompt,
        seed=body.seed,
        steps=body.steps,
        strength=body.strength,
        guidance=body.guidance,
        feather_px=body.feather_px,
        grow_px=body.grow_px,
    )


@router.post("/matte", response_model=MatteQueued, status_code=202)
def create_matte(body: MatteRequest, studio: StudioDep) -> dict:
    """Queue a `matte` job; its `complete` event (type "matte") carries the matte clip's asset_id."""
    return mattes.submit_matte(
        studio, body.project_id, body.mask_sequence, grow_px=body.grow_px, feather_px=body.feather_px, invert=body.invert
    )


@router.post("/track/start")
async def start_tracking(body: TrackStart, db: DbDep, settings: SettingsDep) -> dict:
    """Open a tracking session on a clip of the project."""
    return await segmentation.track_start(settings, body.project_id, _source(db, settings, body))


@router.post("/track/prompt")
async def prompt_tracking(body: TrackPrompt, settings: SettingsDep) -> dict:
    """Select an object on one frame (clicks or a box; text with SAM 3); the frame's masks come back inline."""
    return await segmentation.track_prompt(settings, body.model_dump(exclude={"project_id"}, exclude_none=True))


@router.post("/track/propagate")
async def propagate_tracking(body: TrackPropagate, db: DbDep, settings: SettingsDep) -> StreamingResponse:
    """Carry the objects through the clip: NDJSON, a line per frame with mask URLs, then the mask_sequence asset."""
    lines = await segmentation.track_propagate(
        db, settings, body.project_id, body.session_id, body.direction, body.start_frame, body.max_frames, body.mask_threshold
    )
    return StreamingResponse(
        (orjson.dumps(line, option=orjson.OPT_UTC_Z) + b"\n" async for line in lines), media_type="application/x-ndjson"
    )


@router.post("/track/stop")
async def stop_tracking(body: TrackStop, settings: SettingsDep) -> dict:
    """Close the session (its frames leave the service's memory)."""
    return await segmentation.track_stop(settings, body.session_id)
