"""Fixtures for the draft engine tests: real images, a real H.264 encode through PyAV."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image


def scene_image(width: int = 900, height: int = 600, seed: int = 0) -> Image.Image:
    """A picture with structure at every scale: gradients, a bright block, fine noise."""
    g = np.random.default_rng(seed)
    a = np.zeros((height, width, 3), np.float32)
    a[..., 0] = np.linspace(0, 255, width)[None, :]
    a[..., 1] = np.linspace(0, 255, height)[:, None]
    a[height // 3 : height * 2 // 3, width // 3 : width * 2 // 3, 2] = 255
    a += g.normal(0, 12, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


@pytest.fixture
def photo() -> Image.Image:
    return scene_image()


def encode_h264(frames, path: Path, width: int, height: int, fps: int = 24, crf: int = 18) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf)}
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_all(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
