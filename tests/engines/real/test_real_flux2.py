"""FLUX.2 [klein] engine on a tiny random model: text-to-image, references, negative prompt, inpaint."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from milimo.engines.protocols import ImageEngine, ImageRequest, InpaintEngine, InpaintRequest

from .conftest import needs_torch

pytestmark = [pytest.mark.models, needs_torch]


def image(req: ImageRequest, engine) -> tuple[np.ndarray, list]:
    steps: list[tuple[int, int]] = []
    out = engine.generate(req, lambda s, t: steps.append((s, t)))
    assert isinstance(out, Image.Image)
    return np.asarray(out), steps


def test_engine_meets_the_image_protocol(flux2_engine):
    assert isinstance(flux2_engine, ImageEngine)
    d = flux2_engine.describe()
    assert d["loaded"] and d["device"] == "cpu" and d["distilled"] is True and d["weights"].endswith("flux2-klein-4b")


def test_text_to_image_is_deterministic_per_seed(flux2_engine):
    req = ImageRequest(prompt="a cat on a sunny beach", width=128, height=96, steps=3, seed=11)
    a, steps = image(req, flux2_engine)
    b, _ = image(req, flux2_engine)
    c, _ = image(ImageRequest(prompt=req.prompt, width=128, height=96, steps=3, seed=12), flux2_engine)
    assert flux2_engine.last_pipeline == "Flux2KleinPipeline"
    assert a.shape == (96, 128, 3)
    assert steps == [(1, 3), (2, 3), (3, 3)]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_reference_images_condition_the_result(flux2_engine):
    ref = Image.fromarray((np.random.RandomState(0).rand(80, 80, 3) * 255).astype("uint8"))
    plain, _ = image(ImageRequest(prompt="the same cat", width=64, height=64, steps=2, seed=5), flux2_engine)
    with_ref, _ = image(ImageRequest(prompt="the same cat", width=64, height=64, steps=2, seed=5, references=[ref]), flux2_engine)
    assert with_ref.shape == (64, 64, 3)
    assert not np.array_equal(plain, with_ref)


def test_true_cfg_runs_a_second_pass_that_honours_the_negative_prompt(flux2_engine):
    forwards: list[int] = []
    hook = flux2_engine._pipe.transformer.register_forward_hook(lambda *a: forwards.append(1))
    try:
        base = dict(prompt="a dog", width=64, height=64, steps=2, seed=3, guidance=3.0)
        _distilled, _ = image(ImageRequest(**base, negative_prompt="blurry"), flux2_engine)
        assert len(forwards) == 2  # distilled checkpoint: no guided pass unless asked
        a, _ = image(ImageRequest(**base, negative_prompt="blurry", true_cfg=True), flux2_engine)
        assert len(forwards) == 2 + 4
        b, _ = image(ImageRequest(**base, negative_prompt="a red car", true_cfg=True), flux2_engine)
    finally:
        hook.remove()
    assert not np.array_equal(a, b)  # the negative prompt reached the guided pass
    assert flux2_engine._pipe.config.is_distilled  # the switch is restored after the call


def test_inpaint_keeps_pixels_outside_the_mask(flux2_engine):
    rng = np.random.RandomState(1)
    original = Image.fromarray((rng.rand(100, 120, 3) * 255).astype("uint8"))  # off the 16-px grid on purpose
    mask = Image.new("L", (120, 100), 0)
    mask.paste(255, (40, 30, 80, 70))
    steps: list[tuple[int, int]] = []
    request = InpaintRequest(image=original, mask=mask, prompt="a red ball", steps=4, seed=2)
    out = flux2_engine.inpaint(request, lambda s, t: steps.append((s, t)))
    assert isinstance(flux2_engine, InpaintEngine)
    assert flux2_engine.last_pipeline == "Flux2KleinInpaintPipeline"
    assert out.size == original.size
    got, src = np.asarray(out).astype(int), np.asarray(original).astype(int)
    outside = np.ones((100, 120), bool)
    outside[20:80, 30:90] = False  # mask plus a margin wider than the feather
    assert np.abs(got[outside] - src[outside]).max() == 0
    assert np.abs(got[35:65, 45:75] - src[35:65, 45:75]).mean() > 10  # the inside was repainted
    assert steps and steps[-1][0] == steps[-1][1] and [s for s, _ in steps] == sorted({s for s, _ in steps})


def test_sizes_off_the_grid_are_refused(flux2_engine):
    with pytest.raises(ValueError, match="multiple of 16"):
        flux2_engine.generate(ImageRequest(prompt="x", width=100, height=64, steps=1), lambda s, t: None)


def test_cancel_from_the_step_callback(flux2_engine):
    calls: list[int] = []

    class Cancelled(Exception):
        pass

    def on_step(step: int, total: int) -> None:
        calls.append(step)
        if step == 2:
            raise Cancelled  # whatever the callback raises stops the pipeline

    with pytest.raises(Cancelled):
        flux2_engine.generate(ImageRequest(prompt="x", width=64, height=64, steps=5), on_step)
    assert calls == [1, 2]
