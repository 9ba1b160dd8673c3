"""Request and response models for projects, scenes, shots and assets (XCreate / XUpdate / XPublic).

Bounds live here, at the edge: anything a client sends is checked before it reaches the
database, so a mistake is a 422 that says which field to change, never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, create_model, model_validator

from milimo.db.models import Shot
from milimo.db.states import ShotStatus
from milimo.studio.ids import ID_PATTERN

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
LongText = Annotated[str, StringConstraints(max_length=2_000_000)]
# Numbers are strict: JSON `true` is not 1 (it once turned a video into a one-frame image job), "24" is not 24.
Seed = Annotated[int, Strict(), Field(ge=0, le=2**32 - 1, description="0..2^32-1; there is no -1 for random")]
Size = Annotated[int, Strict(), Field(ge=64, le=4096, description="pixels")]
Fps = Annotated[float, Strict(), Field(ge=1, le=240, allow_inf_nan=False)]
Frames = Annotated[int, Strict(), Field(ge=1, le=14_400, description="frames (1 = a still image)")]
FrameOffset = Annotated[int, Strict(), Field(ge=0, le=100_000_000, description="frames at the project rate")]
PipelineOverride = Literal["auto", "ti2vid", "ic_lora", "keyframe"]
# A screenplay transition after a shot ("CUT TO:", "FADE OUT."): one line, as written, at most 100 characters.
Transition = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[^\r\n]*$"),
    Field(description='the transition after the shot, as the script writes it ("CUT TO:"); one line'),
]


class _Strict(BaseModel):
    # Every request model: unknown fields are 422, numbers are strict (no bool or string for a number),
    # and NaN/Infinity never get in (SQLite's json() rejects them, so one stored breaks every later load).
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class TimelineItem(_Strict):
    """One conditioning item: an asset or a server-issued media URL placed at a frame of the shot."""

    asset_id: Id | None = None
    url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    frame_index: Annotated[int, Field(ge=0, le=14_400)] = 0
    strength: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1.0
    type: Literal["image", "video"] = "image"

    @model_validator(mode="after")
    def _needs_source(self) -> TimelineItem:
        if not self.asset_id and not self.url:
            raise ValueError("a conditioning item needs an asset_id or a url the server issued")
        return self


class ElementMatch(_Strict):
    """A project element the storyboard matched to a shot (reference-system §3.9's ElementMatch)."""

    element_id: Id
    element_name: Annotated[str, StringConstraints(max_length=200)] = ""
    element_type: Literal["character", "location", "object"] = "character"
    image_url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    trigger_word: Annotated[str, StringConstraints(max_length=100)] = ""
    confidence: Annotated[float, Field(ge=0, le=1)] = 1.0
    match_source: Annotated[str, StringConstraints(max_length=50)] = ""


# ----------------------------------------------------------------------------- projects


class ProjectCreate(_Strict):
    name: Name = "Untitled project"
    resolution_w: Size = 768
    resolution_h: Size = 512
    fps: Fps = 24.0
    seed: Seed = 42
    script_text: LongText = ""


class ProjectUpdate(_Strict):
    name: Name | None = None
    resolution_w: Size | None = None
    resolution_h: Size | None = None
    fps: Fps | None = None
    seed: Seed | None = None
    script_text: LongText | None = None


class ProjectSummary(BaseModel):
    id: str
    name: str
    resolution_w: int
    resolution_h: int
    fps: float
    seed: int
    version: int
    shot_count: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(BaseModel):
    items: list[ProjectSummary]
    total: int
    offset: int
    limit: int


# ----------------------------------------------------------------------------- scenes


class SceneUpsert(_Strict):
    id: Id | None = None
    index: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    name: Annotated[str, StringConstraints(max_length=500)] | None = None
    script_content: LongText | None = None
    project_id: Any = Field(None, description="ignored")
    created_at: Any = Field(None, description="ignored")


class ScenePublic(BaseModel):
    id: str
    project_id: str
    index: int
    name: str
    script_content: str
    created_at: datetime


# ----------------------------------------------------------------------------- shots


class ShotFields(_Strict):
    """Client-owned shot fields. All optional: an update changes only the fields it names."""

    scene_id: Id | None = None
    index: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    track_index: Annotated[int, Field(ge=0, le=2, description="0 = V1, 1 = V2, 2 = A1")] | None = None
    start_frame: FrameOffset | None = None
    trim_in: FrameOffset | None = None
    trim_out: FrameOffset | None = None
    prompt: Text | None = None
    negative_prompt: Text | None = None
    seed: Seed | None = None
    width: Size | None = None
    height: Size | None = None
    num_frames: Frames | None = None
    fps: Fps | None = None
    steps: Annotated[int, Field(ge=1, le=200)] | None = None
    cfg_scale: Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)] | None = None
    enhance_prompt: bool | None = None
    upscale: bool | None = None
    pipeline_override: PipelineOverride | None = None
    auto_continue: bool | None = None
    timeline: Annotated[list[TimelineItem], Field(max_length=64)] | None = None
    action: Text | None = None
    dialogue: Text | None = None
    character: Annotated[str, StringConstraints(max_length=200)] | None = None
    shot_type: Annotated[str, StringConstraints(max_length=50)] | None = None
    transition: Transition | None = None
    dual_dialogue: bool | None = Field(None, description='the second cue of a dual-dialogue pair (Fountain "^")')
    matched_elements: Annotated[list[ElementMatch], Field(max_length=100)] | None = None
    media_asset_id: Id | None = Field(
        None,
        description="the asset this shot shows (an upload or an earlier take); null detaches it. "
        "video_url, thumbnail_url, engine and actual_frames follow from it",
    )
    still_first: bool | None = Field(
        None,
        description="make frame 0 with the image engine from the matched elements' references, then animate it; "
        "unset = on when the shot's elements have images",
    )


class ShotUpdate(ShotFields):
    """PATCH /shots/{id}. `base_version`, when given, must equal the project's version (else 409)."""

    base_version: int | None = None


class ShotUpsert(ShotFields):
    """A shot inside a save. Server-owned fields (status, video_url, ...) are accepted and ignored,
    so a client may send back what GET returned without erasing newer results; any other
    unknown field is a 422 (a typo must not vanish silently)."""

    id: Id | None = None
    project_id: Any = Field(None, description="ignored")
    status: Any = Field(None, description="server-owned, ignored")
    last_job_id: Any = Field(None, description="server-owned, ignored")
    video_url: Any = Field(None, description="server-owned, ignored")
    thumbnail_url: Any = Field(None, description="server-owned, ignored")
    enhanced_prompt: Any = Field(None, description="server-owned, ignored")
    engine: Any = Field(None, description="server-owned, ignored")
    actual_frames: Any = Field(None, description="server-owned, ignored")
    keyframe_asset_id: Any = Field(None, description="server-owned, ignored")
    created_at: Any = Field(None, description="ignored")
    updated_at: Any = Field(None, description="ignored")


IGNORED_IN_SAVE = frozenset(
    {
        "id",
        "project_id",
        "status",
        "last_job_id",
        "video_url",
        "thumbnail_url",
        "enhanced_prompt",
        "engine",
        "actual_frames",
        "keyframe_asset_id",
        "created_at",
        "updated_at",
    }
)


class ShotPublic(BaseModel):
    id: str
    project_id: str
    scene_id: str | None
    index: int
    track_index: int
    start_frame: int
    trim_in: int
    trim_out: int
    prompt: str
    negative_prompt: str
    seed: int
    width: int
    height: int
    num_frames: int
    fps: float
    steps: int
    cfg_scale: float
    enhance_prompt: bool
    upscale: bool
    pipeline_override: str
    auto_continue: bool
    timeline: list[dict]
    action: str
    dialogue: str
    character: str
    shot_type: str
    transition: str
    dual_dialogue: bool
    matched_elements: list[ElementMatch]
    media_asset_id: str | None
    still_first: bool | None
    keyframe_asset_id: str | None
    status: ShotStatus
    last_job_id: str | None
    video_url: str | None
    thumbnail_url: str | None
    enhanced_prompt: str | None
    engine: str | None
    actual_frames: int | None
    created_at: datetime
    updated_at: datetime


class ShotChange(BaseModel):
    shot: ShotPublic
    project_version: int


class SplitRequest(_Strict):
    split_frame: Annotated[int, Field(ge=1, le=14_400, description="frame inside the trimmed shot where the second part starts")]
    base_version: int | None = None


class SplitResult(BaseModel):
    original_shot: ShotPublic
    new_shot: ShotPublic
    project_version: int


# ----------------------------------------------------------------------------- project state and save


def _stored_default(name: str) -> Any:
    field = Shot.model_fields[name]
    return field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]


# What a shot in the whole state leaves out, and the value it then has: every field still at the
# database's default for a new shot (db/models.py: Shot), empty ("", [], false, null) or a setting
# (seed 42, 768x512, 121 frames, status pending, ...). A 2,000-shot state is ~30% smaller for it.
# The client fills them back in (web/src/api/types.ts: SHOT_DEFAULTS, checked against the schema).
DEFAULT_IN_STATE: dict[str, Any] = {
    name: _stored_default(name)
    for name in ShotPublic.model_fields
    if name not in ("id", "project_id", "created_at", "updated_at")
}


def _fields(fields: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """create_model's field definitions, built from another model's fields: pydantic's overloads cannot see
    through a comprehension of (annotation, default) pairs, so they are passed as plain keyword values."""
    return fields


def _nullable(annotation: Any) -> Any:
    return annotation | None


ShotInState = create_model(
    "ShotInState",
    __doc__="A shot in GET /projects/{id}: ShotPublic without project_id (it is the state's id) and without "
    "the fields at their default (a new shot's value, given here): a missing field has its default.",
    **_fields(
        {
            name: ((info.annotation, DEFAULT_IN_STATE[name]) if name in DEFAULT_IN_STATE else (info.annotation, ...))
            for name, info in ShotPublic.model_fields.items()
            if name != "project_id"
        }
    ),
)

SceneInState = create_model(
    "SceneInState",
    __doc__='A scene in GET /projects/{id}: ScenePublic without project_id; a missing name or script is "".',
    **_fields(
        {
            name: ((info.annotation, "") if name in ("name", "script_content") else (info.annotation, ...))
            for name, info in ScenePublic.model_fields.items()
            if name != "project_id"
        }
    ),
)


class ProjectState(BaseModel):
    id: str
    name: str
    resolution_w: int
    resolution_h: int
    fps: float
    seed: int
    script_text: str
    version: int
    created_at: datetime
    updated_at: datetime
    scenes: list[SceneInState]
    shots: list[ShotInState]


class ProjectSave(_Strict):
    """PUT /projects/{id}/save (seed §7), made safe.

    `base_version` is the version the client's copy was loaded or last saved at. Shots and
    scenes not mentioned are left alone: only ids in deleted_* are deleted.
    """

    base_version: int = Field(ge=1)
    project: ProjectUpdate | None = None
    scenes: Annotated[list[SceneUpsert], Field(max_length=5_000)] = []
    shots: Annotated[list[ShotUpsert], Field(max_length=20_000)] = []
    deleted_scene_ids: Annotated[list[Id], Field(max_length=5_000)] = []
    deleted_shot_ids: Annotated[list[Id], Field(max_length=20_000)] = []


SavedShot = create_model(
    "SavedShot",
    __doc__="A shot in a save's answer: its id and only the fields the server set differently from what the "
    "save sent (for a new shot, everything it did not send: index, start frame, defaults, status, times; "
    "for a shot whose media_asset_id was sent, its whole take: media_asset_id, status, video_url, "
    "thumbnail_url, engine, actual_frames). A field not present "
    "is as the client sent it.",
    id=(str, ...),
    **_fields({name: (_nullable(info.annotation), None) for name, info in ShotPublic.model_fields.items() if name != "id"}),
)

SavedScene = create_model(
    "SavedScene",
    __doc__="A scene in a save's answer: its id and only the fields the server set differently from what was sent.",
    id=(str, ...),
    **_fields({name: (_nullable(info.annotation), None) for name, info in ScenePublic.model_fields.items() if name != "id"}),
)


class SaveResult(BaseModel):
    """The answer to a save: the new version and what the server changed, not the whole state.

    Shots and scenes the server stored exactly as sent are not listed. GET /projects/{id} gives
    the whole state when a client needs it.
    """

    version: int
    updated_at: datetime
    shots: list[SavedShot]
    scenes: list[SavedScene]


# ----------------------------------------------------------------------------- assets


class AssetPublic(BaseModel):
    id: str
    project_id: str
    kind: str
    media_type: str
    url: str
    thumbnail_url: str | None
    filename: str
    mime: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_s: float | None
    fps: float | None
    num_frames: int | None
    engine: str | None
    job_id: str | None
    meta: dict
    created_at: datetime
