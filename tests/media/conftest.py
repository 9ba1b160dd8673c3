"""Frames whose pixels say which frame they are, so a decoded frame can be checked by index."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from milimo.media import encode_video

# Three flat bands, each a 4-bit digit of the frame index at levels 8, 24, ..., 248: sixteen
# gray steps apart, far beyond what crf 18 and 4:2:0 move a flat area. Up to 4096 frames.
BAND = 32


def index_frame(i: int, width: int = 3 * BAND, height: int = 48) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    for k in range(3):
        frame[:, k * BAND : (k + 1) * BAND] = ((i >> (4 * k)) & 15) * 16 + 8
    return frame


def index_frames(n: int, width: int = 3 * BAND, height: int = 48) -> Iterator[np.ndarray]:
    for i in range(n):
        yield index_frame(i, width, height)


def frame_index(frame: np.ndarray) -> int:
    """Read back index_frame's number from a decoded frame (band centres only: edges bleed)."""
    digits = [frame[8:-8, k * BAND + 8 : (k + 1) * BAND - 8].mean() for k in range(3)]
    return sum(int(round((d - 8) / 16)) << (4 * k) for k, d in enumerate(digits))


def mp4_top_level_boxes(data: bytes) -> list[str]:
    """Box types at the top level of an ISO BMFF file, in file order."""
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8].decode("latin-1")
        if size == 1:  # 64-bit size follows the type
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif size == 0:  # box runs to the end of the file
            size = len(data) - pos
        if size < 8:
            raise ValueError(f"bad box size {size} at {pos}")
        boxes.append(kind)
        pos += size
    return boxes


@pytest.fixture(scope="module")
def clip_600(tmp_path_factory) -> Path:
    """600 index-coded frames at 24000/1001: several keyframes, so seeking is exercised."""
    path = tmp_path_factory.mktemp("clips") / "600.mp4"
    encode_video(index_frames(600), path, fps=Fraction(24000, 1001), width=3 * BAND, height=48)
    return path
