"""The draft storyboard card: size, determinism, steps, framing per shot type, references."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from milimo.engines.draft import DraftImageEngine
from milimo.engines.draft.image import subject_colour
from milimo.engines.draft.shots import SHOT_TYPES
from milimo.engines.protocols import ImageEngine, ImageRequest, ShotContext

ENGINE = DraftImageEngine()
PROMPT = "Maya pours coffee with shaking hands while rain hammers the kitchen window."


def card(**kw) -> Image.Image:
    return ENGINE.generate(ImageRequest(prompt=kw.pop("prompt", PROMPT), **kw), lambda i, n: None)


def test_draft_image_engine_is_honest_about_itself():
    assert isinstance(ENGINE, ImageEngine)
    assert (ENGINE.name, ENGINE.family, ENGINE.uses_accelerator) == ("draft", "draft", False)
    caps = ENGINE.capabilities
    assert (caps.size_multiple, caps.min_size, caps.max_size, caps.max_references) == (16, 64, 2048, 4)
    assert not caps.supports_negative_prompt and not caps.supports_true_cfg
    assert ENGINE.describe()["weights"] is None


def test_card_has_the_requested_size_and_is_deterministic_per_seed():
    a = card(width=512, height=320, seed=3)
    assert a.size == (512, 320) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(card(width=512, height=320, seed=3)))
    assert not np.array_equal(np.asarray(a), np.asarray(card(width=512, height=320, seed=4)))


def test_progress_is_reported_in_four_steps_and_a_raise_cancels():
    steps = []
    ENGINE.generate(ImageRequest(prompt=PROMPT, width=256, height=256), lambda i, n: steps.append((i, n)))
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]

    def cancel(i, n):
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ENGINE.generate(ImageRequest(prompt=PROMPT, width=256, height=256), cancel)


def test_reference_images_are_composed_into_the_card():
    magenta = Image.new("RGB", (300, 200), (255, 0, 255))
    cyan = Image.new("RGB", (120, 300), (0, 220, 255))
    without = np.asarray(card(width=512, height=320, seed=1)).astype(int)
    out = np.asarray(card(width=512, height=320, seed=1, references=[magenta, cyan])).astype(int)
    for colour in ((255, 0, 255), (0, 220, 255)):
        near = (np.abs(out - colour).sum(axis=2) < 30).mean()
        assert near > 0.005, colour
        assert (np.abs(without - colour).sum(axis=2) < 30).mean() < 0.001


def test_each_shot_type_frames_the_subject_differently():
    seen = set()
    for shot in SHOT_TYPES:
        img = card(width=256, height=160, seed=2, context=ShotContext(shot_type=shot))
        seen.add(np.asarray(img).tobytes())
    assert len(seen) == len(SHOT_TYPES)


def test_a_close_up_fills_more_of_the_frame_than_a_wide_shot():
    def subject_share(shot: str) -> float:
        a = np.asarray(card(width=320, height=320, seed=5, context=ShotContext(shot_type=shot))).astype(int)
        top = a[: int(320 * 0.75)]  # above the caption band
        return float((np.abs(top - subject_colour(5, [])).sum(axis=2) < 12).mean())

    assert subject_share("close_up") > 2 * subject_share("wide")


def test_the_prompt_is_typeset_in_the_caption_band():
    a = np.asarray(card(width=512, height=320)).astype(np.float32).mean(axis=2)
    band = a[int(320 * 0.8) :, 20:-20]
    assert band.std() > 15
    blank = np.asarray(card(width=512, height=320, prompt=" ")).astype(np.float32).mean(axis=2)[int(320 * 0.8) :, 20:-20]
    assert band.std() > blank.std()


def test_out_of_range_sizes_are_refused():
    with pytest.raises(ValueError):
        card(width=32, height=320)
