"""Conform a clip's media to the project: which media frame each timeline frame shows, and where.

Rate rule (frame selection, the player's): the k-th visible frame of a clip shows the media at
(trim_in + k + 0.5) / fps seconds, the middle of that timeline frame, which is what the web
player seeks to. So media frame floor((trim_in + k + 0.5) * media_fps / fps) is shown; at the
project rate that is exactly trim_in + k. Past the media's last frame the last frame is held
(a take shorter than its shot), and a still shows its one picture for the whole clip.

Size rule (the player's `object-fit: contain`): scaled to fit inside the frame keeping its
aspect ratio (bicubic, as ffmpeg's scale filter), centred; on V1 the rest is black (the stage),
on V2 the rest shows V1 beneath. Sizes and offsets are even so 4:2:0 chroma lines up.

Pictures are planar YUV 4:2:0 (av.VideoFrame "yuv420p"): our takes are H.264 yuv420p, so a
frame at the project size and rate goes from the decoder to the encoder untouched.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.container import InputContainer

from milimo.media import MediaError, load_rgb
from milimo.render.cut import CutClip, CutMedia

YUV = "yuv420p"
# Limited-range black in 4:2:0: what ffmpeg's pad and color filters write for "black".
BLACK_Y, BLACK_C = 16, 128


@dataclass(frozen=True)
class Fit:
    """Where a picture goes in the frame: scaled to width x height, top-left at (x, y)."""

    width: int
    height: int
    x: int
    y: int

    def covers(self, width: int, height: int) -> bool:
        return (self.width, self.height, self.x, self.y) == (width, height, 0, 0)


def fit(src_w: int, src_h: int, dst_w: int, dst_h: int) -> Fit:
    """Scale to fit inside dst keeping the aspect ratio, centred; even sizes and offsets."""
    if (src_w, src_h) == (dst_w, dst_h):
        return Fit(dst_w, dst_h, 0, 0)
    scale = min(Fraction(dst_w, src_w), Fraction(dst_h, src_h))
    w = min(dst_w, max(2, 2 * round(src_w * scale / 2)))
    h = min(dst_h, max(2, 2 * round(src_h * scale / 2)))
    return Fit(w, h, (dst_w - w) // 4 * 2, (dst_h - h) // 4 * 2)


def source_frame(k: int, trim_in: int, media_fps: Fraction, fps: Fraction) -> int:
    """The media frame shown at a clip's k-th visible frame (before holding the last frame)."""
    return math.floor((trim_in + k + Fraction(1, 2)) * media_fps / fps)


@dataclass
class Layer:
    """One conformed picture: a yuv420p frame of fit.width x fit.height, placed at fit."""

    frame: av.VideoFrame
    fit: Fit
    fresh: bool  # not handed out before (a decoder frame may then go to the encoder as it is)


class ClipPictures:
    """The conformed pictures of one clip's visible frames, read lazily in increasing order.

    `layer(k)` for k = 0..length-1, never decreasing; None when the clip has no picture (no
    take, an audio file, a file that stopped decoding). Decoding starts at the keyframe before
    the first frame needed and goes forward; `close()` frees the decoder at once.
    """

    def __init__(self, clip: CutClip, fps: Fraction, width: int, height: int):
        self.clip, self.fps, self.width, self.height = clip, fps, width, height
        media = clip.media
        self.kind = media.kind if media is not None else None
        self._frames: Iterator[av.VideoFrame] | None = None
        self._container: InputContainer | None = None
        self._index = -1  # media index of self._current
        self._current: Layer | None = None
        self._still: Layer | None = None
        self._fit = fit(media.width, media.height, width, height) if media is not None and media.width else None

    # -------------------------------------------------------------- public
    def layer(self, k: int) -> Layer | None:
        if self.kind == "image":
            return self._still_layer()
        if self.kind != "video":
            return None
        media = self._source
        assert media.fps is not None  # a video file always has a rate (CutMedia: None only for stills and audio)
        wanted = min(source_frame(k, self.clip.trim_in, media.fps, self.fps), media.num_frames - 1)
        return self._advance_to(wanted)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
        self._frames = None

    @property
    def _source(self) -> CutMedia:
        """The clip's file: asked for only when `kind` says the clip has one."""
        assert self.clip.media is not None
        return self.clip.media

    # -------------------------------------------------------------- stills
    def _still_layer(self) -> Layer | None:
        if self._still is None:
            try:
                image = load_rgb(self._source.path)
            except MediaError:
                self.kind = None
                return None
            rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.asarray(image)), format="rgb24")
            self._fit = fit(rgb.width, rgb.height, self.width, self.height)
            frame = rgb.reformat(width=self._fit.width, height=self._fit.height, format=YUV, interpolation="BICUBIC")
            self._still = Layer(frame, self._fit, fresh=False)  # shown many times: never handed out as is
        return self._still

    # -------------------------------------------------------------- video
    def _advance_to(self, wanted: int) -> Layer | None:
        if self._current is not None and self._index == wanted:
            self._current.fresh = False  # the same picture again (held, or a slower source rate)
            return self._current
        if self._frames is None:
            self._frames = self._open(wanted)
        while self._index < wanted:
            raw = next(self._frames, None)
            if raw is None:  # the file holds fewer frames than it said: hold what we have
                return self._current
            self._index = self._position(raw)
            if self._index >= wanted:
                frame, placed = self._conform(raw)
                self._current = Layer(frame, placed, fresh=True)
        return self._current

    def _open(self, wanted: int) -> Iterator[av.VideoFrame]:
        """Opens the file and answers its frames from the keyframe before `wanted` on."""
        path = self._source.path
        try:
            container = self._container = av.open(str(path))
            stream = container.streams.video[0]
        except (av.FFmpegError, OSError, IndexError) as exc:
            raise MediaError(f"{path.name}: not a video we can decode ({exc})") from exc
        stream.thread_type = "AUTO"
        self._stream = stream
        self._tb = stream.time_base
        self._origin = stream.start_time or 0
        rate = Fraction(stream.average_rate) if stream.average_rate else self._source.fps
        assert rate is not None  # a video file's CutMedia always has a rate
        self._rate = rate
        frames = self._decode()
        if wanted > 0 and self._tb:  # jump to the keyframe before `wanted` instead of decoding up to it
            container.seek(self._origin + int(wanted / self._rate / self._tb), stream=stream, backward=True)
            frames = self._decode()
            first = next(frames, None)
            if first is None or first.pts is None or self._position(first) > wanted:
                # The seek overshot (or found nothing): decode from the start, slower but right.
                container.seek(self._origin, stream=stream, backward=True)
                frames = self._decode()
            else:
                frames = itertools.chain([first], frames)
        return frames

    def _decode(self) -> Iterator[av.VideoFrame]:
        try:
            assert self._container is not None  # only decoded after _open
            yield from self._container.decode(self._stream)
        except av.FFmpegError as exc:
            raise MediaError(f"{self._source.path.name}: decoding failed ({exc})") from exc

    def _position(self, frame: av.VideoFrame) -> int:
        if frame.pts is None or not self._tb:
            return self._index + 1
        return round((frame.pts - self._origin) * self._tb * self._rate)

    def _conform(self, raw: av.VideoFrame) -> tuple[av.VideoFrame, Fit]:
        f = self._fit
        assert f is not None  # set in __init__ for a video with a size
        out = raw.reformat(width=f.width, height=f.height, format=YUV, interpolation="BICUBIC")
        out.pict_type = 0  # a decoded frame's I/P/B type would force the encoder's frame types
        return out, f


def planes(buf: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a packed yuv420p array (height * 3 / 2, width)."""
    flat = buf.reshape(-1)
    y_size, c_size = width * height, (width // 2) * (height // 2)
    y = flat[:y_size].reshape(height, width)
    u = flat[y_size : y_size + c_size].reshape(height // 2, width // 2)
    v = flat[y_size + c_size : y_size + 2 * c_size].reshape(height // 2, width // 2)
    return y, u, v


def black(width: int, height: int) -> np.ndarray:
    buf = np.empty((height * 3 // 2, width), np.uint8)
    y, u, v = planes(buf, width, height)
    y.fill(BLACK_Y)
    u.fill(BLACK_C)
    v.fill(BLACK_C)
    return buf


def paste(canvas: np.ndarray, layer: Layer, width: int, height: int) -> None:
    """Copy a layer's planes into a yuv420p canvas of width x height at the layer's fit."""
    f = layer.fit
    src = layer.frame.to_ndarray()
    for dst_plane, src_plane, shift in zip(planes(canvas, width, height), planes(src, f.width, f.height), (0, 1, 1), strict=True):
        x, y = f.x >> shift, f.y >> shift
        h, w = src_plane.shape
        dst_plane[y : y + h, x : x + w] = src_plane
