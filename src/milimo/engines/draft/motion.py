"""Draft "smooth motion ×2": motion-compensated frame interpolation with OpenCV's dense optical flow.

Between each pair of frames one new frame is made at the midpoint of the motion: DIS optical
flow is computed both ways, each neighbour is warped half-way along its flow, and the two are
blended (a pixel the two warps disagree on leans to the neighbour whose warp is more consistent,
so a revealed background does not ghost as badly as a plain cross-fade). It invents no detail
a model would; it needs no weights and keeps the motion's position, which a cross-fade does not.

Frames stream: `interpolate` holds two source frames at a time, so memory is flat in length.
A clip of n frames at r fps becomes 2n frames at 2r: the last frame is held for the half frame
after it, exactly what the source shows then, so the duration (and the sound) is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import cv2
import numpy as np

from milimo.engines.draft.base import DraftEngine

MAX_OUTPUT_FPS = 120.0  # above this a doubled rate is past what players and editors take as video


def _dis() -> Any:
    return cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)


def _flow(dis: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(dis.calc(a, b, None))


def _warp(image: np.ndarray, flow: np.ndarray, t: float) -> np.ndarray:
    """`image` sampled at x + t·flow(x) (backward warp)."""
    h, w = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(
        image, grid_x + t * flow[..., 0], grid_y + t * flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _round_trip(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """How far (pixels) a pixel lands from where it started after `forward` then `backward`."""
    back = _warp(backward, forward, 1.0)
    return np.linalg.norm(forward + back, axis=2).astype(np.float32)


def midpoint(a: np.ndarray, b: np.ndarray, dis: Any = None) -> np.ndarray:
    """The frame half-way between RGB uint8 frames `a` and `b` along their motion."""
    dis = dis or _dis()
    ga, gb = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    ab, ba = _flow(dis, ga, gb), _flow(dis, gb, ga)
    # The midpoint pixel x came from a at x - ½·flow_ab and goes to b at x - ½·flow_ba (the flow at x
    # stands in for the flow along the path: good for the smooth, small motion between two frames).
    from_a = _warp(a, ab, -0.5).astype(np.float32)
    from_b = _warp(b, ba, -0.5).astype(np.float32)
    # Occlusion: where a pixel's round trip a→b→a does not come back (it is hidden in b), trust b's
    # warp there, and the other way round; elsewhere the two warps are averaged.
    err_a = _warp(_round_trip(ab, ba), ab, -0.5)
    err_b = _warp(_round_trip(ba, ab), ba, -0.5)
    wa, wb = 1.0 / (1.0 + err_a), 1.0 / (1.0 + err_b)
    weight = (wa / (wa + wb))[..., None]
    out = from_a * weight + from_b * (1.0 - weight)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class DraftMotionEngine(DraftEngine):
    """Doubles a clip's frame rate on the CPU: one flow-interpolated frame between each pair."""

    kind = "smooth motion ×2: optical-flow frame interpolation (DIS), no weights"
    max_output_fps = MAX_OUTPUT_FPS

    def describe(self) -> dict:
        return {**super().describe(), "method": "opencv-dis-flow-midpoint", "max_output_fps": self.max_output_fps}

    def interpolate(self, frames: Iterable[np.ndarray], on_pair: Callable[[int], None] | None = None) -> Iterator[np.ndarray]:
        """2n frames from n: f0, mid(f0, f1), f1, …, f(n-1), f(n-1). `on_pair(i)` after source frame i (it may raise)."""
        dis = _dis()
        previous: np.ndarray | None = None
        index = -1
        for index, frame in enumerate(frames):
            frame = np.array(frame, copy=True)  # the source may reuse its buffer for the next frame
            if previous is not None:
                yield midpoint(previous, frame, dis)
            yield frame
            previous = frame
            if on_pair is not None:
                on_pair(index)
        if previous is not None:
            yield previous  # the half frame after the last one shows the last one
