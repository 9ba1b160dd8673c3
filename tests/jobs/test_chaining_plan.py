"""Seed §4 arithmetic: overlap aligned to the latent grid, chunks that add up to the exact length."""

from __future__ import annotations

import pytest

from milimo.tasks.chaining import overlap_for, plan_chunks


def test_overlap_is_aligned_to_the_latent_grid():
    o = overlap_for(8)
    assert (o.latent_slices, o.frames) == (4, 25)  # ceil((24-1)/8)+1 = 4; (4-1)*8+1 = 25
    assert overlap_for(1).frames == 24


@pytest.mark.parametrize("total", [506, 529, 986, 1200, 2000, 14_400])
def test_chunks_add_up_to_exactly_the_requested_frames(total):
    chunks = plan_chunks(total, native_max=505, frame_step=8)
    assert sum(c.keep for c in chunks) == total
    assert chunks[0].generate == 505 and chunks[0].skip == 0
    for prev, c in zip(chunks, chunks[1:]):
        assert c.start == prev.start + prev.keep  # no gap, no duplicate
        assert c.skip == 25 and c.generate <= 505 and (c.generate - 1) % 8 == 0
        assert c.skip + c.keep <= c.generate
    assert len(chunks) == 1 + -(-(total - 505) // 480)


def test_a_short_shot_is_one_chunk():
    assert [(c.generate, c.keep) for c in plan_chunks(121, 505, 8)] == [(121, 121)]


def test_an_engine_too_short_to_overlap_is_refused():
    with pytest.raises(ValueError, match="cannot chain"):
        plan_chunks(100, native_max=17, frame_step=8)
