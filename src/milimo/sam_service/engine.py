"""What a segmentation engine offers: masks from clicks or a box, from text, and tracking through a clip.

Images are uint8 RGB arrays (height, width, 3); masks are boolean (height, width) at the
image's size. Thresholds travel with each call: engines keep no per-request state, so two
requests with different confidences never see each other's settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from milimo.errors import StudioError
from milimo.sam_service.prompts import GeometryPrompt

Direction = Literal["forward", "backward", "both"]
SAM3_DOWNLOAD = "milimo models download sam3"


class NeedsSam3(StudioError):
    """Text prompts need the SAM 3 model; the draft engine only segments from clicks and boxes."""

    status_code = 501
    code = "needs_model"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} needs the SAM 3 model, which is not installed here; run `{SAM3_DOWNLOAD}` "
            f"(or set MILIMO_SAM_WEIGHTS) and restart the segmentation service",
            model="sam3",
        )


@dataclass(frozen=True)
class Detection:
    mask: np.ndarray  # bool (height, width)
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
    label: str


@dataclass
class FrameMasks:
    """One frame of a propagated track: a mask and a score per object id, and the engine that made them."""

    frame_idx: int
    masks: dict[int, np.ndarray] = field(default_factory=dict)
    scores: dict[int, float] = field(default_factory=dict)
    engine: str = "draft"  # "sam3" | "draft"


class Tracker(Protocol):
    """One clip's tracking state. Not thread-safe: the session registry serialises calls."""

    name: str  # the engine that makes this tracker's masks: "sam3" | "draft"

    def add_prompt(
        self,
        frame_idx: int,
        obj_id: int,
        prompt: GeometryPrompt | None,
        text: str | None,
        *,
        mask_threshold: float,
        confidence: float,
    ) -> FrameMasks:
        """Prompt an object on one frame; returns that frame's masks for every prompted object."""

    def propagate(
        self, start_frame: int, direction: Direction, max_frames: int | None, *, mask_threshold: float
    ) -> Iterator[FrameMasks]:
        """Frames in the order they are computed (backward runs count down)."""


class SegmentEngine(Protocol):
    name: str  # "sam3" | "draft"
    version: str

    def describe(self) -> dict: ...

    def predict_mask(self, image: np.ndarray, prompt: GeometryPrompt, *, mask_threshold: float) -> tuple[np.ndarray, float]:
        """The object under the clicks / inside the box: (mask, score in 0..1)."""

    def detect(
        self, image: np.ndarray, text: str, *, confidence: float, mask_threshold: float, max_objects: int
    ) -> list[Detection]:
        """Every instance of `text`, best first, each scoring at least `confidence`."""

    def tracker(self, frames: Sequence[np.ndarray]) -> Tracker: ...
