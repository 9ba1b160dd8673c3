"""Master files: H.264 + AAC MP4 (faststart) or ProRes 422 HQ + PCM .mov, streamed and atomic.

The H.264 stream is the media layer's (`add_h264_stream`: frame threads, BT.601 limited-range
tags), so a master and the takes it is cut from share their parameter sets and smart render can
copy the takes' packets. Encoding runs on the media layer's EncoderThread while the caller's
thread composes the next frame; the sound is pulled from the Mix in step with the pictures,
so it is interleaved through the file and ends with the last frame, to the sample.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from milimo.errors import Unavailable
from milimo.media.encode import (
    AUDIO_BIT_RATE,
    MP4_OPTIONS,
    EncoderThread,
    add_h264_stream,
)
from milimo.render.mix import Mix

_AVCOL_SPC_SMPTE170M, _AVCOL_RANGE_MPEG = 6, 1  # the tags add_h264_stream writes, for ProRes too
PRORES_HQ_PROFILE = "3"  # prores_ks profiles: 0 proxy, 1 lt, 2 standard, 3 hq, 4 4444, 5 4444xq


@dataclass(frozen=True)
class Format:
    name: str  # "mp4" | "prores"
    suffix: str
    container: str
    video_codec: str
    audio_codec: str
    pix_fmt: str
    mime: str


FORMATS = {
    "mp4": Format("mp4", ".mp4", "mp4", "libx264", "aac", "yuv420p", "video/mp4"),
    "prores": Format("prores", ".mov", "mov", "prores_ks", "pcm_s24le", "yuv422p10le", "video/quicktime"),
}


def require_encoder(fmt: Format, available: Collection[str] | None = None) -> None:
    """Unavailable (503) with what to do instead when this FFmpeg build lacks the codec.

    `available`: the encoder names the build has (default: PyAV's FFmpeg, `av.codecs_available`).
    """
    if fmt.video_codec not in (av.codecs_available if available is None else available):
        raise Unavailable(
            f"this FFmpeg build has no {fmt.video_codec} encoder, so {fmt.name} masters cannot be made here; "
            "render H.264 (format mp4) instead"
        )


class MixFeeder:
    """The sound track of a master (EncoderThread's `sound`): the Mix, encoded in step with the frames.

    The caller's thread reads the mix (`prepare`, before it hands a frame over) and the encoder
    thread only encodes and muxes what is ready: decoding and mixing the clips' sound overlaps
    x264 instead of queueing behind it.
    """

    def __init__(self, container, mix: Mix, rate: Fraction, codec: str):
        self.mix, self.rate = mix, rate
        self.sample_rate = mix.sample_rate
        self.stream = container.add_stream(codec, rate=self.sample_rate)
        self.stream.layout = "stereo"
        if codec == "aac":
            self.stream.bit_rate = AUDIO_BIT_RATE
        self.container = container
        self.ready: collections.deque[np.ndarray] = collections.deque()  # read, not yet encoded
        self.prepared = 0  # samples read from the mix
        self.fed = 0  # samples encoded

    def samples_for(self, num_frames: int) -> int:
        return int(Fraction(num_frames) * self.sample_rate / self.rate + Fraction(1, 2))

    def prepare(self, num_frames: int) -> None:
        """Read the mix up to the end of frame num_frames - 1 (on the caller's thread)."""
        end = self.samples_for(num_frames)
        if end > self.prepared:
            self.ready.append(self.mix.read(end - self.prepared))
            self.prepared = end

    def feed_until(self, num_frames: int) -> None:
        end = self.samples_for(num_frames)
        if end > self.prepared:  # a caller that did not prepare (smart render's muxer)
            self.prepare(num_frames)
        while self.fed < end and self.ready:
            chunk = self.ready.popleft()
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
            frame.sample_rate = self.sample_rate
            frame.pts, frame.time_base = self.fed, Fraction(1, self.sample_rate)
            self.container.mux(self.stream.encode(frame))
            self.fed += chunk.shape[1]

    def finish(self, num_frames: int) -> None:
        self.feed_until(num_frames)
        self.container.mux(self.stream.encode(None))


def open_container(path: Path, fmt: Format):
    return av.open(str(path), mode="w", format=fmt.container, options=MP4_OPTIONS)  # faststart, exact lengths


def add_video_stream(container, fmt: Format, rate: Fraction, width: int, height: int, crf: int, preset: str):
    if fmt.name == "mp4":
        return add_h264_stream(container, rate, width, height, crf, preset)
    stream = container.add_stream(fmt.video_codec, rate=rate, time_base=1 / rate)
    stream.width, stream.height, stream.pix_fmt = width, height, fmt.pix_fmt
    stream.options = {"profile": PRORES_HQ_PROFILE, "vendor": "apl0"}
    ctx = stream.codec_context
    ctx.thread_type, ctx.thread_count = "FRAME", 0
    ctx.colorspace, ctx.color_range = _AVCOL_SPC_SMPTE170M, _AVCOL_RANGE_MPEG
    return stream


def write_video(
    frames: Iterable[av.VideoFrame],
    path: Path,
    fmt: Format,
    *,
    fps: Fraction,
    width: int,
    height: int,
    mix: Mix | None,
    crf: int,
    preset: str,
    on_frame: Callable[[int], None],
) -> int:
    """Encode yuv420p frames (and the mix, if given) into `path`; returns the frame count.

    `on_frame(i)` runs on this thread after frame i went to the encoder; raising from it (or
    from the frame source) stops the encode and the exception propagates. The caller owns
    atomicity (it writes to a temporary path).
    """
    container = open_container(path, fmt)
    finished = False
    try:
        video = add_video_stream(container, fmt, fps, width, height, crf, preset)
        sound = MixFeeder(container, mix, fps, fmt.audio_codec) if mix is not None else None
        worker = EncoderThread(container, video, sound, fps)
        worker.start()
        count = 0
        try:
            for frame in frames:
                if fmt.pix_fmt != frame.format.name:
                    frame = frame.reformat(format=fmt.pix_fmt)  # ProRes: 4:2:0 8-bit -> 4:2:2 10-bit
                if sound is not None:
                    sound.prepare(count + 1)  # before the frame: the encoder thread finds its sound ready
                worker.put(frame)
                on_frame(count)
                count += 1
            if count == 0:
                raise ValueError("no frames to encode")
            worker.finish()
        except BaseException:
            worker.abort()
            raise
        finished = True
        return count
    finally:
        try:
            container.close()
        except Exception:
            if finished:
                raise
