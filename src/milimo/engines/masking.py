"""Feathered compositing that never touches pixels outside a mask (shared by every inpaint engine)."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image


def binary(mask: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """L/1/RGB mask -> boolean (height, width) at `size` (width, height); > 127 is selected."""
    m = mask.convert("L")
    if m.size != size:
        m = m.resize(size, Image.Resampling.NEAREST)
    return np.asarray(m) > 127


def feathered_alpha(mask: np.ndarray, feather_px: int) -> np.ndarray:
    """Float alpha in 0..1: 1 deeper than `feather_px` inside the mask, a ramp towards its edge, exactly 0 outside.

    The ramp is the distance to the nearest unselected pixel, so it lies wholly inside the mask
    (a blur would spread it outwards too): what the user did not select comes back bit for bit.
    """
    hard = mask.astype(np.float32)
    if feather_px <= 0 or not mask.any():
        return hard
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    return np.clip(inside / float(feather_px + 1), 0.0, 1.0) * hard


def composite_inside(result: Image.Image, original: Image.Image, mask: np.ndarray, feather_px: int) -> Image.Image:
    """`result` inside the mask, `original` outside, a feathered seam just inside the edge."""
    alpha = feathered_alpha(mask, feather_px)[..., None]
    a = np.asarray(result.convert("RGB"), np.float32)
    b = np.asarray(original.convert("RGB"), np.float32)
    out = np.where(alpha > 0, np.clip(a * alpha + b * (1.0 - alpha) + 0.5, 0, 255), b).astype(np.uint8)
    return Image.fromarray(out)
