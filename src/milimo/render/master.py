"""render_cut: the cut (or a range of it) to one master file, frame-exact, with the mixed sound.

    result = render_cut(cut, out_path, options=RenderOptions(format="mp4"),
                        on_progress=lambda fraction, message: ..., check_cancel=lambda: ...)

Frames stream from the compositor to the encoder one at a time, the sound is read from the
mix in step, so memory does not grow with the film's length. The file appears at out_path only
when it is complete (fsutil.atomic_path): a failure or a cancellation (check_cancel raising)
leaves nothing behind. Smart render (render.smart) copies the packets of V1 stretches that need
no re-encode and encodes the rest; it is on by default for MP4 and gives the same frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

from milimo.errors import Invalid
from milimo.fsutil import atomic_path
from milimo.media.encode import X264_PRESETS
from milimo.render import smart
from milimo.render.compose import compose
from milimo.render.cut import Cut
from milimo.render.mix import SAMPLE_RATE, Mix
from milimo.render.output import FORMATS, require_encoder, write_video

ProgressCallback = Callable[[float, str], None]
Quality = Literal["draft", "standard", "high"]
# H.264 (crf, preset) per quality. "standard" is what every take is encoded with, so smart render
# can copy takes' packets; ProRes 422 HQ has one quality.
QUALITY: dict[str, tuple[int, str]] = {"draft": (23, "veryfast"), "standard": (18, "medium"), "high": (14, "slow")}
PROGRESS_EVERY_S = 0.25  # progress calls per second at most: a job row write each


@dataclass(frozen=True)
class RenderOptions:
    format: Literal["mp4", "prores"] = "mp4"
    in_frame: int | None = None  # first frame rendered (default 0)
    out_frame: int | None = None  # first frame NOT rendered (default: the timeline end)
    crf: int = 18  # H.264 quality (lower is better); 18 is what every take is encoded with
    preset: str = "medium"
    smart: bool = True  # copy V1 stretches that need no re-encode (MP4 only)

    @classmethod
    def for_quality(cls, quality: Quality, **fields) -> RenderOptions:
        if quality not in QUALITY:
            raise Invalid(f"unknown quality {quality!r}; choose one of {', '.join(QUALITY)}")
        crf, preset = QUALITY[quality]
        return cls(crf=crf, preset=preset, **fields)


@dataclass(frozen=True)
class RenderResult:
    path: Path
    format: str
    mime: str
    in_frame: int
    out_frame: int
    num_frames: int
    fps: Fraction
    width: int
    height: int
    sample_rate: int
    audio_samples: int  # exactly num_frames / fps seconds of sound
    copied_frames: int = 0  # frames whose packets smart render copied
    warnings: tuple[str, ...] = field(default=())

    @property
    def duration(self) -> float:
        return float(self.num_frames / self.fps)


def render_range(cut: Cut, options: RenderOptions) -> tuple[int, int]:
    """The frames to render, [in, out); Invalid when the cut is empty or the range is outside it."""
    end = cut.duration_frames
    if end == 0:
        raise Invalid("the timeline is empty: there is nothing to render")
    lo = 0 if options.in_frame is None else options.in_frame
    hi = end if options.out_frame is None else options.out_frame
    if not 0 <= lo < hi <= end:
        raise Invalid(
            f"the range {lo}..{hi} is outside the cut: in must be at least 0, out at most the timeline end "
            f"({end}), and in before out",
            in_frame=lo,
            out_frame=hi,
            duration_frames=end,
        )
    return lo, hi


def check_options(cut: Cut, options: RenderOptions) -> None:
    if options.format not in FORMATS:
        raise Invalid(f"unknown format {options.format!r}; choose one of {', '.join(FORMATS)}")
    require_encoder(FORMATS[options.format])
    if not 0 <= options.crf <= 51:
        raise Invalid(f"crf must be between 0 and 51, got {options.crf}")
    if options.preset not in X264_PRESETS:
        raise Invalid(f"preset must be one of {', '.join(X264_PRESETS)}, got {options.preset!r}")
    if cut.width % 2 or cut.height % 2 or cut.width < 2 or cut.height < 2:
        raise Invalid(f"the project size {cut.width}x{cut.height} must be even in both directions to render")


class Progress:
    """Calls on_progress at most every PROGRESS_EVERY_S with the fraction done; checks cancel at every frame.

    The fraction is of frames written, which the job turns into an ETA (tasks/render.py).
    """

    def __init__(self, total: int, on_progress: ProgressCallback | None, check_cancel: Callable[[], None] | None):
        self.total, self.on_progress, self.check_cancel = total, on_progress, check_cancel
        self.last = 0.0

    def frame(self, index: int, what: str = "Rendering") -> None:
        if self.check_cancel is not None:
            self.check_cancel()
        now = time.monotonic()
        if self.on_progress is None or now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        self.on_progress(min((index + 1) / self.total, 0.999), f"{what} frame {index + 1} of {self.total}")

    def done(self) -> None:
        if self.on_progress is not None:
            self.on_progress(1.0, f"Rendered {self.total} frames")


def _full(cut: Cut, lo: int, hi: int, path: Path, fmt, options: RenderOptions, progress: Progress) -> None:
    mix = Mix(cut, lo)
    try:
        write_video(
            compose(cut, lo, hi),
            path,
            fmt,
            fps=cut.fps,
            width=cut.width,
            height=cut.height,
            mix=mix,
            crf=options.crf,
            preset=options.preset,
            on_frame=progress.frame,
        )
    finally:
        mix.close()


def render_cut(
    cut: Cut,
    out_path: Path | str,
    *,
    options: RenderOptions = RenderOptions(),
    on_progress: ProgressCallback | None = None,
    check_cancel: Callable[[], None] | None = None,
) -> RenderResult:
    """Render the cut (or options' range) to out_path. See the module docstring."""
    check_options(cut, options)
    lo, hi = render_range(cut, options)
    fmt = FORMATS[options.format]
    out_path = Path(out_path)
    progress = Progress(hi - lo, on_progress, check_cancel)
    copied = 0
    with atomic_path(out_path) as tmp:
        plan = (
            smart.plan(cut, lo, hi, options.crf, options.preset, scratch=tmp) if (options.smart and fmt.name == "mp4") else None
        )
        if plan is not None and not plan.copied_frames:
            plan.discard()
            plan = None
        if plan is not None:
            try:
                copied = smart.render(cut, plan, tmp, options, progress)
            except smart.NotCopyable:
                plan = None  # a take's timestamps do not line up: encode everything instead
                progress = Progress(hi - lo, on_progress, check_cancel)
        if plan is None:
            _full(cut, lo, hi, tmp, fmt, options, progress)
    progress.done()
    sample_rate = SAMPLE_RATE
    return RenderResult(
        path=out_path,
        format=fmt.name,
        mime=fmt.mime,
        in_frame=lo,
        out_frame=hi,
        num_frames=hi - lo,
        fps=cut.fps,
        width=cut.width,
        height=cut.height,
        sample_rate=sample_rate,
        audio_samples=int(Fraction(hi - lo) * sample_rate / cut.fps + Fraction(1, 2)),
        copied_frames=copied,
        warnings=cut.warnings,
    )
