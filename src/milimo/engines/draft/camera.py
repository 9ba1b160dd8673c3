"""Ken Burns camera moves over a still: which move a shot gets, and the crop at any moment.

A move is a path of crop rectangles over a source image. At t = 0 every move frames the whole
image the way a centre crop would (so frame 0 of image-to-video is the conditioning image and a
continuation starts exactly on the previous frame); the crop then eases toward its end framing.
Crops are float rectangles resampled bilinearly at sub-pixel positions, so slow moves never jitter.

Drawing runs beside the encoder on the same cores, so a frame must be cheap: the canvas keeps its
pixels as RGBX (a fourth, unused byte per pixel) because OpenCV's bilinear warp has a vectorised
path for four channels and not for three (0.8 ms vs 2.2 ms of CPU for a 768x480 crop here, the
same pixels), and the drop back to RGB is a 0.07 ms copy written straight into the caller's frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageEnhance

from .drawing import cover_size, rng

MOVES = ("push_in", "pull_out", "pan_left", "pan_right")


def ease_in_out(t: float) -> float:
    """Cosine ease: zero velocity at both ends, so chained moves meet without a bump."""
    t = min(1.0, max(0.0, t))
    return 0.5 - 0.5 * math.cos(math.pi * t)


def ease_out(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return math.sin(t * math.pi / 2)


@dataclass(frozen=True)
class Move:
    kind: str  # one of MOVES
    zoom: float  # end zoom: > 1 pushes in, < 1 pulls out
    focus: tuple[float, float] = (0.5, 0.5)  # end anchor of the crop inside the free space, 0..1 per axis

    def at(self, t: float) -> tuple[float, float, float]:
        """(zoom, anchor_x, anchor_y) at t in [0, 1]."""
        fx, fy = self.focus
        if self.kind.startswith("pan"):
            # Reach the pan zoom early, then travel sideways: it reads as a pan, not a push.
            z = 1.0 + (self.zoom - 1.0) * ease_out(t / 0.4)
        else:
            z = 1.0 + (self.zoom - 1.0) * ease_in_out(t)
        e = ease_in_out(t)
        return z, 0.5 + (fx - 0.5) * e, 0.5 + (fy - 0.5) * e


def choose_move(shot_type: str, seed: int) -> Move:
    """close-ups push in slowly, wide and establishing shots pan, tracking shots pan further; else by seed."""
    r = rng(seed, "camera")
    side = r.choice((0.0, 1.0))
    pan = "pan_left" if side == 0.0 else "pan_right"
    if shot_type in ("close_up", "extreme_close_up", "medium_close_up"):
        return Move("push_in", 1.12, (0.5 + r.uniform(-0.08, 0.08), 0.4))
    if shot_type in ("establishing", "wide", "aerial"):
        return Move(pan, 1.15, (side, 0.5))
    if shot_type == "tracking":
        return Move(pan, 1.3, (side, 0.5))
    if shot_type == "insert":
        return Move("push_in", 1.08, (0.5, 0.5))
    kind = r.choice(MOVES)
    if kind == "push_in":
        return Move(kind, 1.18, (0.5 + r.uniform(-0.15, 0.15), 0.5 + r.uniform(-0.15, 0.1)))
    if kind == "pull_out":
        return Move(kind, 1 / 1.15)
    return Move(kind, 1.2, (0.0 if kind == "pan_left" else 1.0, 0.5))


class Canvas:
    """A source image prepared for a move toward an output size: scaled once, padded for pull-outs."""

    def __init__(self, image: Image.Image, size: tuple[int, int], min_zoom: float = 1.0, max_zoom: float = 1.3):
        self.size = size
        im = image.convert("RGB")
        w, h = size
        cw, ch = cover_size(im.width, im.height, w, h)
        # Keep enough pixels for the deepest push-in, no more: later resizes stay cheap.
        scale = max(w * max_zoom / cw, h * max_zoom / ch)
        if scale < 1.0:
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.LANCZOS)
            cw, ch = cover_size(im.width, im.height, w, h)
        self.src_w, self.src_h = float(im.width), float(im.height)
        self.cover = (cw, ch)
        self.pad = 0
        if min_zoom < 1.0:
            # A pull-out reveals more than the image holds: surround it with its own blurred, dimmed extension.
            self.pad = math.ceil(max(cw, ch) * (1 / min_zoom - 1) / 2) + 2
            big = (im.width + 2 * self.pad, im.height + 2 * self.pad)
            blur = im.resize((max(1, im.width // 16), max(1, im.height // 16)), Image.Resampling.BILINEAR)
            surround = ImageEnhance.Brightness(blur.resize(big, Image.Resampling.BICUBIC)).enhance(0.45)
            surround.paste(im, (self.pad, self.pad))
            im = surround
        self.image = im
        self.pixels = cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2RGBA)  # RGBX: see the module docstring
        self._warped = np.empty((size[1], size[0], 4), np.uint8)  # reused: one crop is warped at a time

    def box(self, zoom: float, ax: float, ay: float) -> tuple[float, float, float, float]:
        """The crop rectangle (in canvas pixels) for a zoom and an anchor."""
        cw, ch = self.cover
        w, h = cw / zoom, ch / zoom
        x0 = self.pad + ax * (self.src_w - w)
        y0 = self.pad + ay * (self.src_h - h)
        return (x0, y0, x0 + w, y0 + h)

    def render(self, zoom: float, ax: float = 0.5, ay: float = 0.5, out: np.ndarray | None = None) -> np.ndarray:
        """The crop at (zoom, anchor) as RGB rows of the output size; written into `out` when given
        (an (h, w, 3) uint8 array with contiguous rows, e.g. the picture rows of a frame)."""
        x0, y0, x1, y1 = self.box(zoom, ax, ay)
        iw, ih = self.image.size
        x0, y0, x1, y1 = max(0.0, x0), max(0.0, y0), min(float(iw), x1), min(float(ih), y1)  # float error at the edges
        w, h = self.size
        sx, sy = (x1 - x0) / w, (y1 - y0) / h
        # Output pixel centre (x + 0.5) samples the box at x0 + sx * (x + 0.5); OpenCV's warp is ~2.5x
        # faster than Pillow's resize here, and rendering competes with the encoder for the CPU.
        m = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
        cv2.warpAffine(
            self.pixels,
            m,
            (w, h),
            dst=self._warped,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        if out is None:
            out = np.empty((h, w, 3), np.uint8)
        return cv2.cvtColor(self._warped, cv2.COLOR_RGBA2RGB, dst=out)


def canvas_for(image: Image.Image, size: tuple[int, int], move: Move) -> Canvas:
    return Canvas(image, size, min_zoom=min(1.0, move.zoom), max_zoom=max(1.0, move.zoom))
