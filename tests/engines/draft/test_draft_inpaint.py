"""Draft inpainting: OpenCV fills the mask from its surroundings; nothing outside the mask changes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from milimo.engines.draft import DraftInpaintEngine
from milimo.engines.draft.inpaint import METHODS, inpaint_image
from milimo.engines.masking import feathered_alpha
from milimo.engines.protocols import InpaintEngine, InpaintRequest

from .conftest import scene_image


def blot(img: Image.Image, box: tuple[int, int, int, int]) -> tuple[Image.Image, Image.Image]:
    """The picture with a magenta blot in `box`, and the mask of that blot."""
    a = np.asarray(img).copy()
    x0, y0, x1, y1 = box
    a[y0:y1, x0:x1] = (255, 0, 255)
    mask = np.zeros(a.shape[:2], np.uint8)
    mask[y0:y1, x0:x1] = 255
    return Image.fromarray(a), Image.fromarray(mask, "L")


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_pixels_outside_the_mask_are_unchanged(method):
    original, mask = blot(scene_image(320, 240), (100, 80, 160, 130))
    out = inpaint_image(original, mask, method=method, feather_px=4)
    got, src = np.asarray(out), np.asarray(original)
    outside = np.asarray(mask) == 0
    assert out.size == original.size
    assert np.array_equal(got[outside], src[outside])


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_the_blot_is_filled_from_its_surroundings(method):
    clean = scene_image(320, 240)
    dirty, mask = blot(clean, (20, 20, 80, 70))  # on the smooth gradient, away from the blue block
    out = np.asarray(inpaint_image(dirty, mask, method=method, feather_px=3)).astype(int)
    inside = np.zeros(out.shape[:2], bool)
    inside[23:67, 23:77] = True  # the blot less the feathered seam, which blends towards what was there
    magenta = np.array([255, 0, 255])
    # the magenta is gone and the fill is close to the picture that was under it (a smooth gradient)
    assert np.abs(out[inside] - magenta).sum(axis=1).mean() > 200
    assert np.abs(out[inside] - np.asarray(clean).astype(int)[inside]).mean() < 25


def test_the_feather_stays_inside_the_mask():
    mask = np.zeros((60, 80), bool)
    mask[20:40, 30:50] = True
    alpha = feathered_alpha(mask, 5)
    assert (alpha[~mask] == 0).all()
    assert alpha[30, 40] == pytest.approx(1.0)  # deep inside
    assert 0 < alpha[20, 40] < 1  # on the edge: the seam is soft
    assert (feathered_alpha(mask, 0) == mask).all()


def test_an_empty_mask_returns_the_image():
    img = scene_image(64, 48)
    out = inpaint_image(img, Image.new("L", img.size, 0))
    assert np.array_equal(np.asarray(out), np.asarray(img))


def test_a_mask_of_another_size_is_scaled_to_the_image():
    original, mask = blot(scene_image(320, 240), (100, 80, 160, 130))
    small = mask.resize((160, 120), Image.NEAREST)
    out = np.asarray(inpaint_image(original, small))
    outside = np.asarray(small.resize(original.size, Image.NEAREST)) == 0
    assert np.array_equal(out[outside], np.asarray(original)[outside])


def test_the_engine_follows_the_inpaint_protocol():
    engine = DraftInpaintEngine()
    assert isinstance(engine, InpaintEngine)
    original, mask = blot(scene_image(128, 96), (40, 30, 70, 60))
    steps: list[tuple[int, int]] = []
    out = engine.inpaint(InpaintRequest(image=original, mask=mask, prompt="an empty wall"), lambda s, t: steps.append((s, t)))
    assert steps == [(1, 1)]
    assert engine.describe()["method"] == "opencv-telea" and engine.name == "draft"
    assert not np.array_equal(np.asarray(out), np.asarray(original))
    with pytest.raises(ValueError, match="method"):
        DraftInpaintEngine(method="magic")


def _whole_frame(image: Image.Image, mask: np.ndarray, method: str, radius: int, feather_px: int) -> np.ndarray:
    """The fill and the feathered composite computed over the whole picture: what the box-only work must equal."""
    pixels = np.asarray(image.convert("RGB"))
    filled = cv2.inpaint(np.ascontiguousarray(pixels[:, :, ::-1]), mask.astype(np.uint8) * 255, radius, METHODS[method])
    alpha = feathered_alpha(mask, feather_px)[..., None]
    a, b = filled[:, :, ::-1].astype(np.float32), pixels.astype(np.float32)
    return np.where(alpha > 0, np.clip(a * alpha + b * (1 - alpha) + 0.5, 0, 255), b).astype(np.uint8)


def test_filling_only_the_masks_box_gives_the_same_pixels_as_the_whole_frame():
    rng = np.random.default_rng(3)
    for trial in range(12):
        h, w = (int(v) for v in rng.integers(40, 240, 2))
        image = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        mask = np.zeros((h, w), bool)
        for _ in range(int(rng.integers(1, 4))):  # some touch the picture's edges
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            mask[y : y + int(rng.integers(1, 70)), x : x + int(rng.integers(1, 70))] = True
        for method, radius, feather in (("telea", 5, 3), ("ns", 3, 0), ("telea", 9, 8)):
            out = inpaint_image(image, Image.fromarray(mask), method=method, radius=radius, feather_px=feather)
            assert np.array_equal(np.asarray(out), _whole_frame(image, mask, method, radius, feather)), (trial, method)
