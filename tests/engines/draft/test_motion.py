"""The draft "smooth motion ×2" interpolator: in-between frames along the motion, 2n frames from n, streamed."""

from __future__ import annotations

import numpy as np
import pytest

from milimo.engines.draft import DraftMotionEngine
from milimo.engines.draft.motion import midpoint


def square(x: int, h: int = 144, w: int = 256, side: int = 24) -> np.ndarray:
    f = np.full((h, w, 3), 30, np.uint8)
    f[60 : 60 + side, x : x + side] = (230, 40, 40)
    return f


@pytest.mark.parametrize("step", [4, 8, 16])
def test_the_midpoint_puts_the_moving_square_half_way_and_whole(step):
    m = midpoint(square(40), square(40 + step))
    red = (m[..., 0] > 130) & (m[..., 1] < 100)
    left = np.nonzero(red)[1].min()
    assert abs(left - (40 + step / 2)) <= 1  # where the motion is half-way
    assert abs(int(red.sum()) - 24 * 24) <= 24  # one whole square, not a cross-fade's two faint ones


def test_n_frames_become_2n_with_the_sources_kept_and_the_last_held():
    src = [square(20 + 4 * i) for i in range(5)]
    out = list(DraftMotionEngine().interpolate(iter(src)))
    assert len(out) == 10
    for i, f in enumerate(src):
        assert np.array_equal(out[2 * i], f)
    assert np.array_equal(out[-1], src[-1])
    assert list(DraftMotionEngine().interpolate(iter([]))) == []


def test_it_streams_two_frames_at_a_time_and_a_raise_stops_it():
    pulled = []

    def source():
        for i in range(1000):
            pulled.append(i)
            yield square(20 + (i % 50))

    it = DraftMotionEngine().interpolate(source())
    for _ in range(5):  # f0, m01, f1, m12, f2
        next(it)
    assert len(pulled) == 3  # never the whole clip in memory

    def stop(i):
        if i == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        list(DraftMotionEngine().interpolate((square(20 + i) for i in range(10)), on_pair=stop))
