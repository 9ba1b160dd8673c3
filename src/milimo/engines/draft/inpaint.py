"""Draft inpainting: OpenCV fills the mask from its surroundings (Telea's fast marching, or Navier-Stokes).

It ignores the prompt (there is no model to read it): it removes what is inside the mask,
which is what a rough pass over a still needs. Only masked pixels change; a feathered blend
just inside the edge hides the seam.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from PIL import Image

from milimo.engines.draft.base import DraftEngine
from milimo.engines.masking import binary, composite_inside, mask_box
from milimo.engines.protocols import InpaintRequest, StepCallback

METHODS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}


def inpaint_image(
    image: Image.Image, mask: Image.Image, *, method: Literal["telea", "ns"] = "telea", radius: int = 5, feather_px: int = 3
) -> Image.Image:
    """The pure function behind the engine: `image` with the white part of `mask` filled in."""
    original = image.convert("RGB")
    hard = binary(mask, original.size)
    if not hard.any():
        return original.copy()
    # The fill reads only pixels within `radius` of the mask: fill its box grown by that much, not the frame.
    box = mask_box(hard, radius + 2)
    assert box is not None
    pixels = np.asarray(original)
    bgr = np.ascontiguousarray(pixels[box][:, :, ::-1])
    filled = pixels.copy()
    filled[box] = cv2.inpaint(bgr, hard[box].astype(np.uint8) * 255, radius, METHODS[method])[:, :, ::-1]
    return composite_inside(Image.fromarray(filled), original, hard, feather_px)


class DraftInpaintEngine(DraftEngine):
    """InpaintEngine on the CPU, no weights."""

    kind = "inpainting: OpenCV fill inside the mask (the prompt is not used)"

    def __init__(self, method: Literal["telea", "ns"] = "telea", radius: int = 5) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
        self.method = method
        self.radius = radius

    def describe(self) -> dict:
        return {**super().describe(), "method": f"opencv-{self.method}", "uses_prompt": False}

    def inpaint(self, request: InpaintRequest, on_step: StepCallback) -> Image.Image:
        out = inpaint_image(request.image, request.mask, method=self.method, radius=self.radius, feather_px=request.feather_px)
        on_step(1, 1)
        return out
