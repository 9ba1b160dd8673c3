"""Frames out of a video: iterate, take the tail (chained shots), last frame, thumbnail.

Frame indices are 0-based positions in display order. Seeking jumps to the keyframe at or
before the wanted frame and decodes forward, so reading the end of a long clip does not decode
all of it; the index of each decoded frame comes from its timestamp (our clips are constant
frame rate). Whenever a seek does not land where it should, we fall back to decoding from the
start: slower, never wrong.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Generator, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from milimo.media.errors import MediaError
from milimo.media.images import save_jpeg
from milimo.media.probe import probe

THUMBNAIL_AT_SECONDS = 0.5  # far enough in to skip a fade from black, inside even a short clip
THUMBNAIL_QUALITY = 85


def iter_frames(path: Path | str, start: int = 0, count: int | None = None) -> Iterator[np.ndarray]:
    """Yield uint8 RGB frames (height, width, 3) from frame `start`, at most `count` of them.

    Lazy: the file is opened on the first next() and closed when the iterator ends or is closed.
    """
    if start < 0 or (count is not None and count < 0):
        raise ValueError(f"start and count must be >= 0, got start={start} count={count}")
    return _take(_decode(Path(path), start), count)


def _take(frames: Generator[np.ndarray, None, None], count: int | None) -> Iterator[np.ndarray]:
    try:
        yield from itertools.islice(frames, count)  # islice stops without decoding one frame too many
    finally:
        frames.close()  # close the file now, not at garbage collection


def tail_frames(path: Path | str, n: int) -> list[np.ndarray]:
    """The last `n` frames (all of them when the clip is shorter), oldest first."""
    if n <= 0:
        return []
    path = Path(path)
    total = probe(path).num_frames
    start = max(0, total - n)
    tail = collections.deque(iter_frames(path, start), maxlen=n)
    if len(tail) < min(n, total) and start > 0:  # the container's frame count was wrong
        tail = collections.deque(_decode(path, 0), maxlen=n)
    return list(tail)


def last_frame(video_path: Path | str) -> Image.Image:
    """The clip's final frame as an RGB image (what the next shot continues from)."""
    frames = tail_frames(video_path, 1)
    if not frames:
        raise MediaError(f"{Path(video_path).name}: the video has no frames")
    return Image.fromarray(frames[0])


def thumbnail(video_path: Path | str, out_path: Path | str, *, max_width: int = 512, at_frame: int | None = None) -> Path:
    """Write a JPEG of one frame, scaled down to at most `max_width` wide; returns out_path.

    Default frame: the one ~0.5 s in. `at_frame` (and the default) are clamped to the clip.
    """
    info = probe(video_path)
    if at_frame is None:
        at_frame = round(THUMBNAIL_AT_SECONDS * (info.fps or Fraction(24)))
    at_frame = min(max(0, at_frame), max(0, info.num_frames - 1))
    frame = next(iter_frames(video_path, at_frame, 1), None)
    if frame is None:
        raise MediaError(f"{Path(video_path).name}: frame {at_frame} could not be decoded")
    image = Image.fromarray(frame)
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return save_jpeg(image, out_path, quality=THUMBNAIL_QUALITY)


def _open(path: Path):
    try:
        container = av.open(str(path))
        stream = container.streams.video[0]
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise MediaError(f"{path.name}: not a video we can decode ({exc})") from exc
    stream.thread_type = "AUTO"  # frame-threaded decoding: several frames in flight
    return container, stream


def _decode(path: Path, start: int) -> Generator[np.ndarray, None, None]:
    """Frames from `start`: seek when that helps, else (or when the seek misses) decode from 0."""
    try:
        if start > 0:
            container, stream = _open(path)
            with container:
                sought = _seek(container, stream, start)
                if sought is not None:
                    yield from sought
                    return
        container, stream = _open(path)
        with container:
            for index, frame in enumerate(container.decode(stream)):
                if index >= start:
                    yield frame.to_ndarray(format="rgb24")
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name}: decoding failed ({exc})") from exc


def _seek(container, stream, start: int) -> Iterator[np.ndarray] | None:
    """Seek to the keyframe at or before `start`: frames from `start` on, or None on a miss."""
    if not stream.average_rate or not stream.time_base:
        return None
    fps, time_base = Fraction(stream.average_rate), stream.time_base
    origin = stream.start_time or 0

    def index(frame) -> int:
        return round((frame.pts - origin) * time_base * fps)

    container.seek(origin + int(start / fps / time_base), stream=stream, backward=True)
    frames = container.decode(stream)
    first = next(frames, None)
    if first is None or first.pts is None or index(first) > start:
        return None
    return (f.to_ndarray(format="rgb24") for f in itertools.chain([first], frames) if f.pts is not None and index(f) >= start)
