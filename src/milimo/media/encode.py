"""Encode RGB frames to an H.264 MP4: yuv420p, +faststart, optional AAC; streamed and atomic.

How it stays fast (measured in bench/bench_encode.py, numbers in docs/media.md):
- libx264 runs with *frame* threads, like the ffmpeg CLI. PyAV's default is SLICE threading,
  which makes x264 cut every frame into slices: a bigger file for the same crf and idle cores.
  That was the real part of the naive loop's gap to the CLI. The thread count is x264's own
  (1.5 x cores) except on 2 cores, where one more frame thread keeps them busier
  (`x264_frame_threads`).
- The caller's thread converts RGB -> YUV 4:2:0 (swscale, GIL released) while a second thread
  feeds x264 and the muxer, so a lazy frame source, the conversion and the encoder overlap.
- swscale runs with bicubic chroma filtering, which is what the ffmpeg CLI uses: our x264 input
  is bit-identical to `ffmpeg -pix_fmt yuv420p`, and so are the H.264 packets.
What remains is x264 itself (>90% of the CPU time): given the CLI's thread count we write its
bytes in its time; on 2 cores the extra frame thread is what puts us ahead.

Memory stays flat in the clip length: frames are pulled one at a time, at most QUEUE_DEPTH
converted frames wait for the encoder, and x264's own lookahead is bounded by the preset.
Frame-sized buffers are made in one thread and freed in another, hundreds per clip; glibc's
malloc would move them from their own mappings into its heaps after the first free (its mmap
threshold adapts upwards) and keep the heaps' high water: ~15-20 MB of a chained job's peak
RSS (bench/bench_chained.py). `_frames_return_to_os` pins the threshold once per process.
"""

from __future__ import annotations

import ctypes
import functools
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from milimo.engines.protocols import AudioTrack
from milimo.fsutil import atomic_path

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
# Rates FFmpeg's native AAC encoder accepts; anything else fails deep inside avcodec_open2.
AAC_SAMPLE_RATES = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
AUDIO_LAYOUTS = {1: "mono", 2: "stereo"}
AUDIO_BIT_RATE = 192_000
# Converted frames waiting for the encoder thread: enough to keep x264 busy while the source
# produces the next frame, few enough that memory does not grow (one 1080p frame is ~3 MB).
QUEUE_DEPTH = 4
# FFmpeg enum values (libavutil/pixfmt.h) for the colour tags written into the H.264 VUI:
# swscale's default RGB -> YUV matrix is BT.601 into limited range; saying so lets browsers
# convert back with the same matrix instead of guessing (they often guess BT.709 for HD).
_AVCOL_SPC_SMPTE170M = 6
_AVCOL_RANGE_MPEG = 1

# +faststart: the moov box first, so a browser plays while the file downloads. movie_timescale:
# the edit lists that say how long each track plays are written in the movie's time scale,
# 1/1000 s by default, which cut 80,000 samples of sound at 24 fps to 79,968; at 1/48000 s the
# declared length is exact to the sample (and frame-exact for 24, 25, 30 and the NTSC rates).
MP4_OPTIONS = {"movflags": "+faststart", "movie_timescale": "48000"}
# Allocations this big get their own mapping, handed back to the OS when freed (a 512x768 RGB
# frame is 1.2 MB, its YUV 4:2:0 copy 0.6 MB). glibc's default starts at 128 KiB but adapts up to
# 32 MiB after the first such free, which is what lets frame buffers pile up in the heaps.
_MMAP_THRESHOLD = 256 * 1024
_M_MMAP_THRESHOLD = -3  # glibc malloc.h


@functools.cache
def _frames_return_to_os() -> bool:
    """Pin glibc's mmap threshold (once per process; a no-op where libc is not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False


_END = object()  # the source is exhausted: flush and finish the file
_ABORT = object()  # the caller failed: stop without flushing


@dataclass(frozen=True)
class EncodeResult:
    path: Path
    num_frames: int
    fps: Fraction

    @property
    def duration(self) -> float:
        """Seconds: num_frames / fps (the audio track, if any, has exactly this length)."""
        return float(self.num_frames / self.fps)


def fps_fraction(fps: float | int | Fraction) -> Fraction:
    """An exact frame rate: 24 -> 24/1, 23.976 or 24000/1001 -> 24000/1001, 12.5 -> 25/2."""
    if isinstance(fps, Fraction):
        rate = fps
    elif isinstance(fps, int):
        rate = Fraction(fps)
    else:
        fps = float(fps)
        ntsc = fps * 1.001  # NTSC rates are n*1000/1001; a float like 29.97 means 30000/1001
        if abs(fps - round(fps)) < 1e-6:
            rate = Fraction(round(fps))
        elif abs(ntsc - round(ntsc)) < 2e-3:
            rate = Fraction(round(ntsc) * 1000, 1001)
        else:
            rate = Fraction(fps).limit_denominator(1001)
    if not 0 < rate <= 1000:
        raise ValueError(f"fps must be between 0 and 1000, got {fps}")
    return rate


def encode_video(
    frames: Iterable[np.ndarray],
    out_path: Path | str,
    *,
    fps: float | int | Fraction,
    width: int,
    height: int,
    audio: AudioTrack | None = None,
    crf: int = 18,
    preset: str = "medium",
    on_frame: Callable[[int], None] | None = None,
) -> EncodeResult:
    """Encode uint8 RGB frames shaped (height, width, 3) to an MP4 at `out_path`.

    `frames` may be a lazy iterator; it is consumed one frame at a time and each frame may be
    reused by the source once the next one is requested. `on_frame(i)` runs on the caller's
    thread after frame i (0-based) has gone into the encoder; it and the source may raise (that
    is how a job is cancelled): the exception propagates and nothing is left at out_path.
    `audio` is padded with silence or trimmed to exactly num_frames / fps.
    """
    rate = fps_fraction(fps)
    _check_settings(width, height, crf, preset)
    _frames_return_to_os()
    if audio is not None:
        _check_audio(audio)
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        count = _encode(iter(frames), tmp, rate, width, height, audio, crf, preset, on_frame)
    return EncodeResult(path=out_path, num_frames=count, fps=rate)


def _encode(frames, tmp, rate, width, height, audio, crf, preset, on_frame) -> int:
    container = av.open(str(tmp), mode="w", format="mp4", options=MP4_OPTIONS)
    finished = False
    try:
        video = add_h264_stream(container, rate, width, height, crf, preset)
        sound = AudioFeeder(container, audio, rate) if audio is not None else None
        worker = EncoderThread(container, video, sound, rate)
        worker.start()
        try:
            count = _feed(frames, worker, width, height, on_frame)
        except BaseException:
            worker.abort()
            raise
        finished = True
        return count
    finally:
        if finished:
            container.close()  # writes the trailer; +faststart moves moov before mdat here
        else:
            try:  # the file is deleted by atomic_path; only the original exception matters
                container.close()
            except Exception:
                pass


def _feed(frames: Iterator[np.ndarray], worker: EncoderThread, width: int, height: int, on_frame) -> int:
    """Pull, check and convert frames on this thread; hand them to the encoder thread."""
    reformatter = VideoReformatter()  # one swscale context for the whole clip
    count = reported = 0
    for frame in frames:
        worker.put(_to_yuv420(reformatter, frame, width, height, count))
        count += 1
        if on_frame is not None:
            while reported < worker.encoded:
                on_frame(reported)
                reported += 1
    if count == 0:
        raise ValueError("no frames to encode: the frame source was empty")
    worker.finish()
    if on_frame is not None:
        while reported < count:
            on_frame(reported)
            reported += 1
    return count


def _to_yuv420(reformatter: VideoReformatter, frame, width: int, height: int, index: int) -> av.VideoFrame:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.shape != (height, width, 3):
        got = f"{frame.dtype} array of shape {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"frame {index}: expected a uint8 RGB array of shape ({height}, {width}, 3), got {got}")
    if frame.strides[1:] != (3, 1):
        frame = np.ascontiguousarray(frame)
    # from_numpy_buffer wraps the array without copying; the conversion writes a new frame, so
    # the source may overwrite its buffer as soon as we ask for the next frame.
    rgb = av.VideoFrame.from_numpy_buffer(frame, format="rgb24")
    # threads=1: PyAV's default (0) gives swscale a pool of one thread per core, woken for
    # every frame; with x264's frame threads already on every core that buys no wall time and
    # costs ~10% more conversion CPU (0.84 vs 0.76 ms a 768x512 frame, bench/bench_encode.py).
    return reformatter.reformat(rgb, format="yuv420p", interpolation="BICUBIC", threads=1)


def add_h264_stream(container, rate: Fraction, width: int, height: int, crf: int, preset: str):
    """The H.264 stream of every MP4 we write. The master render uses it too, so with the same
    size, rate, crf and preset its parameter sets match the takes' and smart render can copy them."""
    stream = container.add_stream("libx264", rate=rate, time_base=1 / rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"crf": str(crf), "preset": preset}
    ctx = stream.codec_context
    ctx.thread_type = "FRAME"  # PyAV defaults to SLICE; see the module docstring
    ctx.thread_count = x264_frame_threads()
    ctx.colorspace = _AVCOL_SPC_SMPTE170M
    ctx.color_range = _AVCOL_RANGE_MPEG
    return stream


def x264_frame_threads(cores: int | None = None) -> int:
    """x264's frame-thread count for this machine; 0 lets x264 pick (1.5 x cores, as the CLI does).

    On 2 cores that rule gives 3 frame threads, which spend part of the encode waiting on each
    other's reference rows: the cores were 1.84-1.92 busy of 2 (bench/bench_encode.py). With 4
    they are 1.91-1.95 busy and the encode takes 3-5% less wall time, at the same quality (PSNR
    within 0.002 dB, file size within 0.06% at crf 18; the parameter sets are the same, so smart
    render still copies takes). Measured only on 2 cores: everywhere else x264 decides.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 4 if cores == 2 else 0


class SoundFeeder(Protocol):
    """What the encoder thread interleaves: audio up to a video frame count, then the rest."""

    def feed_until(self, num_frames: int) -> None: ...

    def finish(self, num_frames: int) -> None: ...


class EncoderThread(threading.Thread):
    """Owns the container while running: encodes video, interleaves audio, muxes.

    `sound` is anything with `feed_until(num_frames)` and `finish(num_frames)`: AudioFeeder for
    a track held in memory, the render's streaming mix for a film.
    """

    def __init__(self, container, video, sound: SoundFeeder | None, rate: Fraction):
        super().__init__(name="milimo-encode", daemon=True)
        self.container, self.video, self.sound = container, video, sound
        self.time_base = 1 / rate
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.encoded = 0  # frames handed to x264; read by the caller for on_frame
        self.error: BaseException | None = None
        self._aborted = False
        self._ended = False  # the _END or _ABORT marker has been taken off the queue

    def put(self, frame: av.VideoFrame) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)  # never blocks forever: the thread drains the queue even after an error

    def finish(self) -> None:
        self.queue.put(_END)
        self.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        self._aborted = True  # queued frames are dropped, not encoded
        self.queue.put(_ABORT)
        self.join()

    def run(self) -> None:
        try:
            self._encode_until_end()
        except BaseException as exc:  # re-raised on the caller's thread by put()/finish()
            self.error = exc
            while not self._ended:  # keep taking frames so a producer blocked in put() wakes up
                self._take()

    def _take(self):
        item = self.queue.get()
        self._ended = item is _END or item is _ABORT
        return item

    def _encode_until_end(self) -> None:
        mux = self.container.mux
        while (item := self._take()) is not _END:
            if item is _ABORT:
                return
            if self._aborted:
                continue
            item.pts, item.time_base = self.encoded, self.time_base
            mux(self.video.encode(item))
            self.encoded += 1
            if self.sound is not None:
                self.sound.feed_until(self.encoded)  # keeps audio and video interleaved in mdat
        mux(self.video.encode(None))  # flush x264's lookahead and B-frames
        if self.sound is not None:
            self.sound.finish(self.encoded)


class AudioFeeder:
    """Feeds the AAC encoder in step with the video, so the track ends exactly with the last frame."""

    def __init__(self, container, track: AudioTrack, rate: Fraction):
        self.samples = np.ascontiguousarray(track.samples, dtype=np.float32)
        self.sample_rate = track.sample_rate
        self.layout = AUDIO_LAYOUTS[self.samples.shape[0]]
        self.rate = rate
        self.container = container
        self.stream = container.add_stream("aac", rate=self.sample_rate)
        self.stream.layout = self.layout
        self.stream.bit_rate = AUDIO_BIT_RATE
        self.fed = 0  # samples handed to the encoder so far

    def samples_for(self, num_frames: int) -> int:
        """Audio samples spanning num_frames video frames, rounded half up, exact for 24000/1001."""
        return int(Fraction(num_frames) * self.sample_rate / self.rate + Fraction(1, 2))

    def feed_until(self, num_frames: int) -> None:
        end = self.samples_for(num_frames)
        if end <= self.fed:
            return
        chunk = self.samples[:, self.fed : end]
        if chunk.shape[1] < end - self.fed:  # the track is shorter than the video: pad with silence
            chunk = np.pad(chunk, ((0, 0), (0, end - self.fed - chunk.shape[1])))
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout=self.layout)
        frame.sample_rate = self.sample_rate
        frame.pts, frame.time_base = self.fed, Fraction(1, self.sample_rate)
        self.container.mux(self.stream.encode(frame))
        self.fed = end

    def finish(self, num_frames: int) -> None:
        self.feed_until(num_frames)  # samples past this point are trimmed: never fed
        self.container.mux(self.stream.encode(None))


def _check_settings(width: int, height: int, crf: int, preset: str) -> None:
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value < 2:
            raise ValueError(f"{name} must be an integer of at least 2, got {value!r}")
        if value % 2:
            raise ValueError(f"{name} must be even for yuv420p video, got {value}: snap the size before encoding")
    if not 0 <= crf <= 51:
        raise ValueError(f"crf must be between 0 and 51, got {crf}")
    if preset not in X264_PRESETS:
        raise ValueError(f"preset must be one of {', '.join(X264_PRESETS)}, got {preset!r}")


def _check_audio(audio: AudioTrack) -> None:
    s = audio.samples
    if not isinstance(s, np.ndarray) or s.ndim != 2 or s.shape[0] not in AUDIO_LAYOUTS:
        shape = getattr(s, "shape", type(s).__name__)
        raise ValueError(f"audio samples must be a (channels, n) array with 1 or 2 channels, got {shape}")
    if not np.issubdtype(s.dtype, np.floating):
        raise ValueError(f"audio samples must be float in [-1, 1], got {s.dtype}")
    if audio.sample_rate not in AAC_SAMPLE_RATES:
        raise ValueError(f"audio sample rate {audio.sample_rate} Hz is not one AAC supports: {AAC_SAMPLE_RATES}")
