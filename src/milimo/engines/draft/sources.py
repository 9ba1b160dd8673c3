"""Picture sources of the animatic: each yields the picture rows (above the sync band) frame by frame.

- still:     a camera move over one image (image-to-video, or the last frame of a continuation);
- keyframes: holds and gentle push-ins on each keyframe, dissolving into the next so that every
             keyframe's frame index shows exactly its image;
- video:     a conditioning video read with PyAV one frame at a time, restyled (posterised through
             the seed's palette) under the camera move: what an IC-LoRA restyle looks like in draft.
All are generators: nothing is rendered before the consumer asks for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from .camera import Canvas, Move, ease_in_out
from .drawing import Palette, restyle, wash

KEY_PUSH = 1.08  # each keyframe's gentle push-in
KEY_DISSOLVE_SECONDS = 1.0


def still(canvas: Canvas, move: Move, ts: Sequence[float], rows: Callable[[], np.ndarray] | None = None) -> Iterator[np.ndarray]:
    """`rows()`, when given, is where each picture is drawn (the picture rows of the next frame)."""
    for t in ts:
        yield canvas.render(*move.at(t), out=rows() if rows is not None else None)


def move_times(count: int, *, continuing: bool) -> list[float]:
    """Move progress per frame: 0..1 inclusive, or (1/n..1] when continuing from a frame already shown."""
    if continuing:
        return [(k + 1) / count for k in range(count)]
    if count == 1:
        return [0.0]
    return [k / (count - 1) for k in range(count)]


def _blend(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    wb = round(w * 256)
    if wb <= 0:
        return a
    if wb >= 256:
        return b
    return ((a.astype(np.uint16) * (256 - wb) + b.astype(np.uint16) * wb) >> 8).astype(np.uint8)


def keyframes(
    keys: Sequence[tuple[int, Image.Image, float]],
    num_frames: int,
    size: tuple[int, int],
    fps: float,
    ground: tuple[int, int, int],
) -> Iterator[np.ndarray]:
    """keys: (frame_index, image, strength), indices unique, sorted, inside [0, num_frames)."""
    canvases = [Canvas(img, size, max_zoom=KEY_PUSH) for _, img, _ in keys]
    strengths = [s for _, _, s in keys]
    idx = [i for i, _, _ in keys]
    dissolve = max(1, round(KEY_DISSOLVE_SECONDS * fps))

    def shot(j: int, zoom: float) -> np.ndarray:
        return wash(canvases[j].render(zoom), strengths[j], ground)

    for i in range(num_frames):
        if i <= idx[0]:
            yield shot(0, 1.0)
            continue
        j = max(k for k in range(len(idx)) if idx[k] <= i)
        if j == len(idx) - 1:  # after the last keyframe: keep pushing in until the end of the shot
            span = max(1, num_frames - 1 - idx[j])
            yield shot(j, 1.0 + (KEY_PUSH - 1.0) * ease_in_out((i - idx[j]) / span))
            continue
        span = idx[j + 1] - idx[j]
        a = shot(j, 1.0 + (KEY_PUSH - 1.0) * ease_in_out((i - idx[j]) / span))
        d = min(dissolve, max(1, span // 2))
        into = i - (idx[j + 1] - d)
        yield a if into < 0 else _blend(a, shot(j + 1, 1.0), ease_in_out(into / d))


def probe_video(path: Path) -> None:
    """Fail before rendering starts when the conditioning video cannot be read."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"conditioning video {path} does not exist")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ValueError(f"conditioning video {path} has no video stream")
    except av.FFmpegError as exc:
        raise ValueError(f"conditioning video {path} cannot be decoded: {exc}") from exc


def video(
    path: Path, start_at: int, strength: float, num_frames: int, fps: float, size: tuple[int, int], move: Move, pal: Palette
) -> Iterator[np.ndarray]:
    """The conditioning video resampled to `fps` by time, starting at output frame `start_at`.

    Before `start_at` its first frame holds; after its end its last frame holds. Frames are decoded
    and dropped as the output advances: memory does not grow with length.
    """
    ramp = pal.ramp()
    container = av.open(str(path))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = Fraction(stream.average_rate or stream.guessed_rate or Fraction(fps)).limit_denominator(1001)
        decoded = container.decode(stream)
        current = next(decoded, None)
        if current is None:
            raise ValueError(f"conditioning video {path} has no frames")
        image = current.to_image()
        at = 0
        for i in range(num_frames):
            want = math.floor(Fraction(max(0, i - start_at)) * rate / Fraction(fps).limit_denominator(1001))
            while at < want:
                nxt = next(decoded, None)
                if nxt is None:
                    break
                current, at = nxt, at + 1
                image = None
            if image is None:
                image = current.to_image()
            t = i / (num_frames - 1) if num_frames > 1 else 0.0
            picture = Canvas(image, size, min_zoom=min(1.0, move.zoom), max_zoom=99.0).render(*move.at(t))
            yield wash(restyle(picture, ramp), strength, pal.ground)
    finally:
        container.close()
