"""What a job needs to run, one pydantic model per job type: the contract between submit and task.

Submit (studio/) builds the model and dumps it into the row's JSON column; a slot validates the
column against the model for the row's type when it claims it, so a task receives a typed object
or the job fails with a message that says which field was wrong — never a KeyError mid-run.
Paths here are relative to the project folder and were resolved by submit; tasks re-check them.
"""

from __future__ import annotations

from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from milimo.db.states import JobType
from milimo.engines.grid import Adjustment
from milimo.engines.protocols import InpaintRequest
from milimo.errors import Invalid

Pipeline = Literal["ti2vid", "ic_lora", "keyframe", "image"]


class JobParams(BaseModel):
    """Base of every job's params: frozen (a task cannot change what was queued), no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    adjustments: list[Adjustment] = []  # what submit snapped to the engine grid, and why


class ConditioningItem(BaseModel):
    """One conditioning input of a shot, resolved to a file of the project (seed §1 timeline)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rel_path: str
    frame_index: int = Field(ge=0)
    strength: float = Field(ge=0, le=1, allow_inf_nan=False)
    type: Literal["image", "video"]


class ShotStory(BaseModel):
    """What the storyboard knows about the shot; draft engines typeset it (engines.protocols.ShotContext)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    scene_heading: str = ""
    action: str = ""
    dialogue: str = ""
    character: str = ""
    shot_type: str = ""


class VideoParams(JobParams):
    """POST /generate/advanced (seed §1). `chained` past the engine's native length (seed §4);
    `pipeline == "image"` for one frame, which the image engine makes."""

    prompt: str
    negative_prompt: str = ""
    seed: int
    width: int
    height: int
    num_frames: int = Field(ge=1)
    fps: float = Field(gt=0, allow_inf_nan=False)
    steps: int = Field(ge=1)
    cfg: float = Field(allow_inf_nan=False)
    enhance_prompt: bool = False
    upscale: bool = False
    pipeline: Pipeline
    chained: bool = False
    conditioning: list[ConditioningItem] = []
    continue_from: str | None = None  # media URL of the previous take on the track (auto-continue)
    still_job_id: str | None = None  # still first: frame 0 is the still this job made (it waited for it)
    context: ShotStory = ShotStory()  # the storyboard fields (seed §6), for engines that typeset or prompt with them

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps


class ImageParams(JobParams):
    """POST /generate/image (seed §2), and the still of a still-first shot (`keyframe`). `prompt` is what
    the engine reads (element triggers turned into words); `user_prompt` what the user wrote (+ missing triggers)."""

    prompt: str
    user_prompt: str | None = None
    negative_prompt: str = ""
    width: int
    height: int
    steps: int = Field(ge=1)
    guidance: float = Field(allow_inf_nan=False)
    seed: int
    references: list[str] = []  # project-relative paths, resolved by submit
    reference_inputs: list[str] = []  # what the client sent (asset ids or URLs), for the asset's metadata
    true_cfg: bool = False
    enhance_prompt: bool = False
    elements: list[str] = []  # ids of the elements whose images and words the job uses
    dropped: list[dict] = []  # element images over the engine's limit ({asset_id, element_id, reason})
    keyframe: bool = False  # the still of a still-first shot: it becomes the shot's keyframe asset


class ElementVisualParams(ImageParams):
    """POST /elements/{id}/visualize: the result becomes one of the element's reference images."""

    element_id: str


class RepaintParams(JobParams):
    """What the inpaint engine is asked, for a still or for every masked frame of a clip."""

    prompt: str = ""
    negative_prompt: str = ""
    seed: int
    steps: int = Field(ge=1)
    strength: float = Field(gt=0, le=1, allow_inf_nan=False)
    guidance: float = Field(allow_inf_nan=False)
    feather_px: int = Field(ge=0, le=64)

    def inpaint_request(self, image: Image.Image, mask: Image.Image) -> InpaintRequest:
        return InpaintRequest(
            image=image,
            mask=mask,
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            seed=self.seed,
            steps=self.steps,
            guidance=self.guidance,
            strength=self.strength,
            feather_px=self.feather_px,
        )


class InpaintParams(RepaintParams):
    """POST /edit/inpaint (seed §3): repaint the white part of `mask` over `image`."""

    image: str  # project-relative paths, resolved by submit
    mask: str
    image_input: str = ""  # what the client sent (asset id or URL), for the asset's metadata
    mask_input: str = ""


class InpaintClipParams(RepaintParams):
    """POST /edit/inpaint-clip (seed §3): repaint every frame of `clip` that the tracked sequence masks,
    with the same seed for every frame, so a still region repaints alike."""

    clip: str  # project-relative paths, resolved by submit from the sequence's asset
    manifest: str  # the mask_sequence's manifest.json; its masks lie beside it
    clip_asset_id: str
    mask_sequence_id: str
    grow_px: int = Field(default=0, ge=0, le=32)  # each frame's mask dilated first, so the feather starts outside the object


class MatteParams(JobParams):
    """POST /edit/matte (seed §3, the export step's use of a mask sequence): the tracked objects as a
    black-and-white clip frame for frame with the clip they were tracked on, for an editor's track matte."""

    clip: str  # project-relative paths, resolved by submit from the sequence's asset
    manifest: str
    clip_asset_id: str
    mask_sequence_id: str
    clip_name: str = ""  # the clip's name in the library: the matte is named after it
    tracker: str = ""  # the segmentation engine that made the masks (the sequence's), recorded on the matte
    grow_px: int = Field(default=0, ge=0, le=32)
    feather_px: int = Field(default=0, ge=0, le=64)
    invert: bool = False  # white outside the objects: a matte that keeps the background


class ThumbnailParams(JobParams):
    """POST /projects/{id}/storyboard/thumbnails (seed §6.2): one concept-art still for the job's shot.
    The task sets only the shot's thumbnail_url: never its video, take or status."""

    prompt: str
    width: int
    height: int
    steps: int = Field(ge=1)
    guidance: float = Field(allow_inf_nan=False)
    seed: int
    references: list[str] = []  # project-relative paths of matched elements' images, resolved by submit


class AIParseParams(JobParams):
    """POST /projects/{id}/storyboard/ai-parse (seed §6.1): the script, the parser to fall back on, the video grid."""

    script_text: str
    fallback_mode: Literal["auto", "fountain", "fdx", "freeform", "numbered"] = "auto"
    fps: float = Field(gt=0, allow_inf_nan=False)
    frame_step: int = Field(ge=1)
    native_max_frames: int = Field(ge=1)


class StoryboardShotParams(JobParams):
    """One shot of a batch (seed §6): waits for the job before it, then (when `continue_from_shot_id`
    is set) adds that shot's finished take's last frame at frame 0, then runs as a video job."""

    video: VideoParams
    after_job_id: str | None = None  # the batch's previous job; this one starts when it completed
    continue_from_shot_id: str | None = None  # the previous shot in the scene, whose last frame conditions this one


class RenderParams(JobParams):
    """POST /projects/{id}/render (docs/render.md): the cut as it is when the job runs, to one file."""

    format: Literal["mp4", "prores"] = "mp4"
    quality: Literal["draft", "standard", "high"] = "standard"
    in_frame: int | None = Field(default=None, ge=0)
    out_frame: int | None = Field(default=None, ge=1)
    muted: list[Literal["V1", "V2", "A1"]] = []
    solo: list[Literal["V1", "V2", "A1"]] = []
    project_version: int  # the version the range was checked against at submit


class SmoothMotionParams(JobParams):
    """POST /projects/{id}/takes/{asset_id}/smooth: the take again at twice its frame rate, same length, same sound,
    as a new take of the same shot. `engine` was decided at submit: LTX-2.5's temporal refine from the DFR state kept
    beside a take it made (`refine_state`), or the draft optical-flow interpolator."""

    source: str  # project-relative path of the take's video, resolved by submit
    source_asset_id: str
    engine: Literal["draft", "ltx2"]
    source_fps: float = Field(gt=0, allow_inf_nan=False)
    source_frames: int = Field(ge=2)
    refine_state: str | None = None  # project-relative path of the DFR sidecar (engine "ltx2" only)
    prompt: str = ""  # what the take was made from: the refine is prompted with it too
    seed: int = 0
    note: str = ""  # why this engine, said to the user at submit


PARAMS: dict[JobType, type[JobParams]] = {
    JobType.video: VideoParams,
    JobType.image: ImageParams,
    JobType.inpaint: InpaintParams,
    JobType.inpaint_clip: InpaintClipParams,
    JobType.thumbnail: ThumbnailParams,
    JobType.ai_parse: AIParseParams,
    JobType.storyboard_shot: StoryboardShotParams,
    JobType.render: RenderParams,
    JobType.matte: MatteParams,
    JobType.element_visual: ElementVisualParams,
    JobType.smooth_motion: SmoothMotionParams,
}


class InvalidJobParams(Invalid):
    """A queued row whose params do not fit its type (written by another version, or edited by hand)."""


def parse_params(job_type: str, data: dict) -> JobParams:
    """The typed params of a row, or InvalidJobParams with a message naming the fields."""
    try:
        model = PARAMS[JobType(job_type)]
    except (ValueError, KeyError):
        raise InvalidJobParams(
            f"no worker knows how to run a {job_type!r} job; it was probably queued by another version of the studio"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
        raise InvalidJobParams(
            f"this {job_type} job's parameters are not valid ({problems}); "
            f"it was probably queued by another version of the studio — generate again"
        ) from None
