"""The chained task's conditioning tail: spooled to the workspace as frames pass, read back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from milimo.tasks.chained import SpooledFrames, _kept, _next_tail
from milimo.tasks.chaining import Chunk

H, W = 16, 24


def frame(k: int) -> np.ndarray:
    return np.random.default_rng(k).integers(0, 256, (H, W, 3), dtype=np.uint8)


def test_the_tail_is_the_chunks_last_overlap_frames_byte_for_byte(tmp_path):
    chunk = Chunk(index=0, generate=505, skip=0, keep=505, start=0)
    spool = _next_tail(tmp_path / "tail_000.rgb", 25, chunk, last=False, tail=())
    kept = list(_kept((frame(k) for k in range(505)), chunk, spool))
    assert len(kept) == 505
    tail = spool.frames(H, W)
    assert isinstance(tail, SpooledFrames) and len(tail) == 25
    assert all(np.array_equal(tail[i], frame(480 + i)) for i in range(25))
    assert np.array_equal(tail[-1], frame(504))
    assert [np.array_equal(f, frame(503 + i)) for i, f in enumerate(tail[23:])] == [True, True]
    with pytest.raises(IndexError):
        tail[25]


def test_the_engine_may_reuse_its_buffer_the_tail_keeps_what_was_shown(tmp_path):
    buffer = np.empty((H, W, 3), np.uint8)

    def reused():
        for k in range(40):
            buffer[:] = frame(k)
            yield buffer

    chunk = Chunk(index=0, generate=40, skip=0, keep=40, start=0)
    spool = _next_tail(tmp_path / "tail.rgb", 25, chunk, last=False, tail=())
    for _ in _kept(reused(), chunk, spool):
        pass
    assert all(np.array_equal(f, frame(15 + i)) for i, f in enumerate(spool.frames(H, W)))


def test_a_chunk_shorter_than_the_overlap_carries_the_end_of_the_previous_tail(tmp_path):
    previous = tuple(frame(k) for k in range(25))  # the shot's frames 0..24
    chunk = Chunk(index=1, generate=41, skip=25, keep=16, start=25)
    spool = _next_tail(tmp_path / "tail_001.rgb", 25, chunk, last=False, tail=previous)
    recreated = (frame(k) for k in range(25))  # the engine re-creates the overlap first: skipped
    kept = list(_kept((*recreated, *(frame(25 + k) for k in range(16))), chunk, spool))
    assert [np.array_equal(a, frame(25 + i)) for i, a in enumerate(kept)] == [True] * 16
    tail = spool.frames(H, W)
    assert len(tail) == 25 and all(np.array_equal(tail[i], frame(16 + i)) for i in range(25))  # frames 16..40


def test_nothing_is_spooled_after_the_last_chunk(tmp_path):
    chunk = Chunk(index=2, generate=41, skip=25, keep=15, start=985)
    spool = _next_tail(tmp_path / "tail_002.rgb", 25, chunk, last=True, tail=())
    assert len(list(_kept((frame(k) for k in range(41)), chunk, spool))) == 15
    assert len(spool.frames(H, W)) == 0 and (tmp_path / "tail_002.rgb").stat().st_size == 0
