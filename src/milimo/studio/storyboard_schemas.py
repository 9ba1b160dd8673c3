"""Request and response models of the storyboard API. Bounds live here, at the edge.

The script's size limit is a setting (MILIMO_MAX_SCRIPT_BYTES, checked by the studio service);
the bound here only stops absurd bodies before that check.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from milimo.studio.schemas import Frames, Id, ShotPublic, Text, Transition

ScriptText = Annotated[str, StringConstraints(max_length=20_000_000)]
Heading = Annotated[str, StringConstraints(max_length=500)]
ShotKindField = Literal["action", "dialogue", "lyrics", "centered"]
ParseModeField = Literal["auto", "fountain", "fdx", "freeform", "numbered"]
Character = Annotated[str, StringConstraints(max_length=200)]
ShotType = Annotated[str, StringConstraints(max_length=50)]
Dual = Annotated[bool, Strict(), Field(description='the second cue of a dual-dialogue pair (Fountain "^"); dialogue shots only')]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParseRequest(_Strict):
    script_text: ScriptText
    parse_mode: ParseModeField = "auto"


class ElementMatch(BaseModel):
    element_id: str
    element_name: str
    element_type: str
    trigger_word: str
    image_url: str | None = None
    confidence: float
    match_source: str


class ParsedShotPublic(BaseModel):
    id: str | None = Field(None, description="an existing shot of the project this one was recognised as (kept by commit)")
    kind: ShotKindField
    action: str
    dialogue: str
    character: str
    shot_type: str
    dual: bool
    transition: str
    line_start: int
    line_end: int
    num_frames: int = Field(description="default length from the content, on the video engine's grid (frames)")
    prompt: str
    seconds_needed: float
    clamped: bool = Field(description="the content needs more than the engine's native maximum")
    matched_elements: list[ElementMatch] = []


class ParsedScenePublic(BaseModel):
    id: str | None = None
    heading: str
    scene_number: str
    forced: bool
    synopsis: str
    source_text: str
    line_start: int
    line_end: int
    shots: list[ParsedShotPublic]


class Grid(BaseModel):
    fps: float
    frame_step: int
    native_max_frames: int


class ParseResult(BaseModel):
    mode: Literal["fountain", "fdx", "freeform", "numbered"]
    why: str
    notes: list[str]
    title_page: dict[str, str]
    grid: Grid
    scenes: list[ParsedScenePublic]


# ----------------------------------------------------------------------------- commit


class CommitShot(_Strict):
    """A shot card. `id` of an existing shot keeps its takes, video, thumbnail and status."""

    id: Id | None = None
    kind: ShotKindField | None = Field(None, description="informative; follows from the fields")
    action: Text = ""
    dialogue: Text = ""
    character: Character = ""
    shot_type: ShotType = ""
    num_frames: Frames | None = Field(None, description="new shots, and shots without a take; default from the content")
    prompt: Text | None = Field(
        None, description="kept if hand-written; rewritten from the content when it was the automatic one"
    )
    transition: Transition | None = Field(None, description='omitted: a stored shot keeps its own, a new one has none ("")')
    dual: Dual | None = Field(None, description="omitted: a stored shot keeps its own, a new one is not dual")
    # What parse returned and the commit does not store: accepted so a client can send a parsed shot back as it came.
    line_start: Any = Field(None, description="ignored")
    line_end: Any = Field(None, description="ignored")
    seconds_needed: Any = Field(None, description="ignored")
    clamped: Any = Field(None, description="ignored")
    matched_elements: Any = Field(None, description="ignored: the server matches the project's elements")


class CommitScene(_Strict):
    id: Id | None = None
    heading: Heading = ""
    scene_number: Annotated[str, StringConstraints(max_length=20)] = ""
    forced: bool | None = None
    synopsis: Text | None = None
    source_text: ScriptText = ""
    line_start: Any = Field(None, description="ignored")
    line_end: Any = Field(None, description="ignored")
    shots: Annotated[list[CommitShot], Field(max_length=20_000)] = []


class CommitRequest(_Strict):
    """The storyboard as the user left it. Scenes and storyboard shots of the project that are not in
    it are deleted (they are what the user removed); shots without a scene (timeline clips) are never touched."""

    base_version: int = Field(ge=1)
    script_text: ScriptText | None = None
    scenes: Annotated[list[CommitScene], Field(max_length=5_000)]


# ----------------------------------------------------------------------------- the stored storyboard


class StoryboardScene(BaseModel):
    id: str
    index: int
    heading: str
    script_content: str
    shots: list[ShotPublic]


class CommitSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    deleted: int
    scenes_created: int
    scenes_deleted: int


class StoryboardPublic(BaseModel):
    project_id: str
    project_version: int
    script_text: str
    scenes: list[StoryboardScene]
    summary: CommitSummary | None = None


class SceneRename(_Strict):
    heading: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
    base_version: int | None = None


class SceneOrder(_Strict):
    scene_ids: Annotated[list[Id], Field(min_length=1, max_length=5_000)]
    base_version: int | None = None


class ShotOrder(_Strict):
    scene_id: Id
    shot_ids: Annotated[list[Id], Field(min_length=1, max_length=20_000)]
    base_version: int | None = None


class ShotAdd(_Strict):
    scene_id: Id
    position: Annotated[int, Field(ge=0, le=20_000)] | None = Field(None, description="index in the scene; default: the end")
    action: Text = ""
    dialogue: Text = ""
    character: Character = ""
    shot_type: ShotType = ""
    transition: Transition = ""
    dual: Dual = False
    num_frames: Frames | None = None
    base_version: int | None = None


class MatchRequest(_Strict):
    base_version: int | None = None


class MatchResult(BaseModel):
    project_version: int
    shots_matched: int
    shots_changed: int


# ----------------------------------------------------------------------------- jobs


class ThumbnailRequest(_Strict):
    """Concept art for these shots (seed §6.2); shots that have a thumbnail are skipped unless `force`."""

    shot_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    width: Annotated[int, Field(ge=64, le=2048)] = 512
    height: Annotated[int, Field(ge=64, le=2048)] = 320
    force: bool = False


class ThumbnailResult(BaseModel):
    shot_id: str
    status: Literal["queued", "skipped"]
    job_id: str | None = None
    detail: str | None = None


class ThumbnailsQueued(BaseModel):
    queued: int
    skipped: int
    engine: str
    width: int
    height: int
    results: list[ThumbnailResult]


class ShotGenerate(_Strict):
    base_version: int | None = None


class ShotQueued(BaseModel):
    job_id: str
    shot_id: str
    project_version: int
    pipeline: str
    engine: str
    chained: bool
    adjustments: list[dict]
    conditioned_on: Literal["timeline", "concept_art", "previous_shot", "none"]
    previous_shot_id: str | None
    continuity_frame_url: str | None
    still_job_id: str | None = None  # still first: the image job that makes frame 0; the video waits for it


class AIParseQueued(BaseModel):
    job_id: str
    engine: str
    status: Literal["queued"] = "queued"


class BatchGenerate(_Strict):
    shot_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    base_version: int | None = None


class BatchItem(BaseModel):
    shot_id: str
    job_id: str
    after_job_id: str | None
    conditioned_on: Literal["timeline", "concept_art", "previous_shot", "none"]
    previous_shot_id: str | None
    still_job_id: str | None = None  # still first: the image job that makes frame 0; the shot's job waits for it


class BatchQueued(BaseModel):
    project_version: int
    engine: str
    results: list[BatchItem]
