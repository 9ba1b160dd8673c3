"""The hardware stand-in: a video engine that takes a GPU's time without a GPU.

A fake only where GPUs are missing (this studio's CI and benchmarks of the cluster): it behaves
like a real accelerator engine towards the studio (`uses_accelerator`, a family the ModelManager
loads and keeps warm, a load that takes time, a step callback per denoising step), sleeps a fixed
time per step where a GPU would compute, then returns the CPU draft's frames (real pixels, real
encode). Selected only by MILIMO_VIDEO_ENGINE=standin (and MILIMO_IMAGE_ENGINE=standin: the same for
stills, over the draft's storyboard card); never chosen by "auto".
"""

from __future__ import annotations

import time
from typing import Any

from PIL import Image

from milimo.engines.draft.image import DraftImageEngine
from milimo.engines.draft.video import DraftVideoEngine
from milimo.engines.protocols import ImageRequest, StepCallback, VideoRequest, VideoResult


class _StandIn:
    """What both stand-ins share: a GPU engine's load time and step time, slept."""

    uses_accelerator = True
    kind = "hardware stand-in"

    def __init__(self, step_s: float = 0.05, load_s: float = 0.5) -> None:
        self.step_s = step_s
        self.load_s = load_s
        self._loaded = False

    def load(self) -> None:
        time.sleep(self.load_s)  # where real weights would be read and moved to the device
        self._loaded = True

    def unload(self) -> None:
        self._loaded = False

    def _steps(self, steps: int, on_step: StepCallback) -> None:
        steps = max(1, steps)
        for step in range(1, steps + 1):
            time.sleep(self.step_s)  # one denoising step of a GPU engine
            on_step(step, steps)

    def _stand_in_fields(self) -> dict[str, Any]:
        return {"step_s": self.step_s, "load_s": self.load_s, "loaded": self._loaded}


class StandInVideoEngine(_StandIn, DraftVideoEngine):
    name = "standin"
    family = "standin"

    def generate(self, request: VideoRequest, on_step: StepCallback) -> VideoResult:
        result = super().generate(request, lambda step, total: None)  # validates; frames render while encoding
        self._steps(request.steps, on_step)
        return result

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            **self._stand_in_fields(),
            "stand_in": "sleeps where a GPU computes; for clusters without GPUs",
        }


class StandInImageEngine(_StandIn, DraftImageEngine):
    """The stand-in for an image engine on a GPU (a still-first shot's still): the draft's card, a GPU's time."""

    name = "standin-image"
    family = "standin-image"

    def generate(self, request: ImageRequest, on_step: StepCallback) -> Image.Image:
        image = super().generate(request, lambda step, total: None)
        self._steps(request.steps, on_step)
        return image

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), **self._stand_in_fields()}
