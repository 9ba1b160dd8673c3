"""What every engine offers: video, image, inpainting and text (prompt enhancement, screenplay analysis).

Engines are plain objects behind these Protocols. They never import the database or FastAPI:
a task (milimo.tasks.*) resolves inputs (asset ids -> loaded images), calls the engine with a
step callback, and writes the results. The ModelManager (engines.manager) is the only caller
of load()/unload().

Frames are numpy uint8 arrays shaped (height, width, 3), RGB. Time is frames at `fps`.
The step callback is called as on_step(step, total) with 1 <= step <= total; it may raise
(that is how cancellation stops an engine), and engines must let that exception propagate
after releasing what they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from milimo.errors import Unavailable

StepCallback = Callable[[int, int], None]
PipelineKind = Literal["ti2vid", "ic_lora", "keyframe"]
PIPELINE_KINDS: tuple[PipelineKind, ...] = ("ti2vid", "ic_lora", "keyframe")


@runtime_checkable
class Engine(Protocol):
    """Identity and residency, shared by every capability."""

    name: str  # recorded on jobs and assets: "draft", "ltx2", "flux2-klein", "gemma3", "ollama"
    version: str
    # Model family for the ModelManager. Engines whose `uses_accelerator` is true compete for
    # the device: loading one family unloads the others (video vs image on one GPU).
    family: str
    uses_accelerator: bool

    def load(self) -> None:
        """Bring weights onto the device. Heavy; called by the ModelManager only."""

    def unload(self) -> None:
        """Drop weights; the manager runs gc and empties the device cache afterwards."""

    def describe(self) -> dict[str, Any]:
        """Device, dtype, weight location: what GET /engines shows."""


# --------------------------------------------------------------------------- shots


@dataclass(frozen=True)
class ShotContext:
    """What the storyboard knows about a shot. Draft engines typeset it; real engines may ignore it."""

    scene_heading: str = ""
    action: str = ""
    dialogue: str = ""
    character: str = ""
    shot_type: str = ""


# --------------------------------------------------------------------------- video


@dataclass(frozen=True)
class VideoCapabilities:
    native_max_frames: int  # most frames one call may produce; longer shots are chained
    frame_step: int  # valid frame counts are frame_step * k + 1 (LTX-2: 8); 1 = any count
    size_multiple: int  # width and height must be multiples of this (LTX-2 two-stage: 64)
    min_size: int
    max_size: int
    accepts_images: bool  # an image at frame 0 (image-to-video)
    accepts_keyframes: bool  # images at any frame (keyframe interpolation)
    accepts_video: bool  # video conditioning (IC-LoRA)
    returns_audio: bool
    exposes_latents: bool  # can continue from the previous chunk's latents (chained generation)


@dataclass(frozen=True)
class ConditioningImage:
    image: Image.Image  # RGB, loaded by the task from an asset or a server-issued URL
    frame_index: int = 0
    strength: float = 1.0


@dataclass(frozen=True)
class ConditioningVideo:
    path: Path  # a local file inside the data directory, resolved by the task
    frame_index: int = 0
    strength: float = 1.0


@dataclass(frozen=True)
class Continuation:
    """The end of the previous chunk of a chained shot (seed §4).

    `frames` are its last overlap frames in pixel space; `latents` is the engine's own
    hand-off (e.g. LTX-2's last latent slices) when `exposes_latents` is true. The engine
    returns a video whose first len(frames) frames re-create that overlap; the caller trims them.
    """

    frames: Sequence[np.ndarray] = ()
    latents: Any = None


@dataclass
class VideoRequest:
    prompt: str
    negative_prompt: str = ""
    width: int = 768
    height: int = 512
    num_frames: int = 121
    fps: float = 24.0
    seed: int = 42
    steps: int = 40
    cfg: float = 3.0
    pipeline: PipelineKind = "ti2vid"
    images: Sequence[ConditioningImage] = ()
    videos: Sequence[ConditioningVideo] = ()
    upscale: bool = False
    context: ShotContext = field(default_factory=ShotContext)
    continuation: Continuation | None = None


@dataclass(frozen=True)
class AudioTrack:
    samples: np.ndarray  # float32, shape (channels, n), values in [-1, 1]
    sample_rate: int


@dataclass
class VideoResult:
    """A generated clip. `frames` may be lazy: draft engines render while the encoder pulls."""

    frames: Iterable[np.ndarray]
    num_frames: int
    width: int
    height: int
    fps: float
    audio: AudioTrack | None = None
    latents: Any = None  # hand-off for the next chunk when the engine exposes latents


@runtime_checkable
class VideoEngine(Engine, Protocol):
    capabilities: VideoCapabilities

    def generate(self, request: VideoRequest, on_step: StepCallback) -> VideoResult: ...


def native_max_frames(engine: VideoEngine, fps: float) -> int:
    """The most frames one call of `engine` makes at `fps`. LTX-2's limit is in seconds (its positional
    table), so it says through `max_frames(fps)` (481 at 24 fps, 241 at 12); an engine without that
    method has one fixed number, `capabilities.native_max_frames`."""
    limit = getattr(engine, "max_frames", None)
    return int(limit(fps)) if callable(limit) else engine.capabilities.native_max_frames


# --------------------------------------------------------------------------- image


@dataclass(frozen=True)
class ImageCapabilities:
    size_multiple: int
    min_size: int
    max_size: int
    max_references: int  # reference images the engine can condition on (0 = none)
    supports_negative_prompt: bool
    supports_true_cfg: bool


@dataclass
class ImageRequest:
    prompt: str
    negative_prompt: str = ""
    width: int = 1024
    height: int = 1024
    seed: int = 42
    steps: int = 4
    guidance: float = 2.0
    references: Sequence[Image.Image] = ()
    true_cfg: bool = False
    context: ShotContext = field(default_factory=ShotContext)


@runtime_checkable
class ImageEngine(Engine, Protocol):
    capabilities: ImageCapabilities

    def generate(self, request: ImageRequest, on_step: StepCallback) -> Image.Image: ...


# --------------------------------------------------------------------------- inpaint


@dataclass
class InpaintRequest:
    """Repaint the white part of `mask` (L mode, same size as `image`); everything outside it stays as it was."""

    image: Image.Image  # RGB
    mask: Image.Image  # L: > 127 = regenerate
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 42
    steps: int = 4
    guidance: float = 1.0
    strength: float = 0.9  # 1 = start from pure noise inside the mask; lower keeps more of what was there
    references: Sequence[Image.Image] = ()
    true_cfg: bool = False
    feather_px: int = 3  # soft edge, inside the mask only


@runtime_checkable
class InpaintEngine(Engine, Protocol):
    def inpaint(self, request: InpaintRequest, on_step: StepCallback) -> Image.Image:
        """The repainted image at the input's size; pixels outside the mask are the input's own."""


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Enhancement:
    prompt: str
    is_reference_only: bool = False  # the conditioning image is a character sheet / collage, not a first frame
    note: str = ""  # said to the user, e.g. why the original prompt was kept


@runtime_checkable
class TextEngine(Engine, Protocol):
    def enhance(
        self,
        prompt: str,
        *,
        mode: Literal["video", "image"],
        image: Image.Image | None = None,
        duration_s: float = 5.0,
        seed: int = 42,
    ) -> Enhancement:
        """Rewrite a prompt for the model. Never raises for model trouble: falls back to `prompt` with a note."""

    def chat(self, system: str, user: str, *, max_new_tokens: int = 1024, seed: int = 42) -> str:
        """Free-form completion (screenplay analysis). Raises EngineUnavailable when it cannot answer."""


class EngineUnavailable(Unavailable, RuntimeError):
    """The engine cannot run here (weights missing, service down); the message says what to do (503)."""


# --------------------------------------------------------------------------- smooth motion


@runtime_checkable
class MotionRefineEngine(Engine, Protocol):
    """A video engine that can redo a take it made at twice the frame rate, from the state it kept beside
    the take (LTX-2.5: the DFR pass's latents, keyframes and positions). The draft interpolator
    (engines.draft.motion) works on any clip's pixels instead."""

    max_refine_fps: float  # the highest output rate the refine is made for

    def refine_unavailable(self) -> str | None:
        """None when this engine can refine now; else why not, in words a filmmaker reads."""

    def refine_motion(self, state: Path, prompt: str, seed: int, on_step: StepCallback) -> VideoResult:
        """The take's DFR state at `state` refined to twice its rate (frames only; the caller keeps the sound)."""
