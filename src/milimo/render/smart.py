"""Smart render: copy the packets of V1 stretches that need no re-encode, encode only the rest.

A stretch of a V1 clip is copied when
- its take is H.264 whose parameter sets equal the ones the render's own encoder writes (same
  size, rate, crf and preset: every take encode_video made at the project size qualifies),
  checked with media.concat.can_stream_copy against a two-frame reference encode;
- it is at the project rate and size (no conform) and the clip does not hold a last frame;
- nothing is over it: no V2 clip with a picture at those frames;
- it starts and ends on closed keyframes (an IDR no later packet reaches back across) or the
  take's end, so every copied GOP decodes on its own.
Everything else (other clips, overlays, gaps, the frames around a trim that is not on a
keyframe) is composed and encoded into parts with the same encoder settings, then the parts
and the copied GOPs are muxed one after another with shifted timestamps, as concat.py joins
chunked takes. The sound is the same mix as the full render's, encoded once.

The result has the same frames as the full render: the same count, the same media frame at
every position. The pixels of a copied stretch are the take's own decoded pictures; the full
render re-encodes those and so differs from them by x264's loss at crf 18 (a mean difference
of well under one level, measured in tests/render/test_smart.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from milimo.fsutil import remove_quietly
from milimo.media.concat import can_stream_copy
from milimo.render.compose import compose
from milimo.render.cut import Cut, CutClip
from milimo.render.mix import Mix
from milimo.render.output import FORMATS, MixFeeder, open_container, write_video

_MP4 = FORMATS["mp4"]


class NotCopyable(Exception):
    """The copied packets would not make a valid stream (timestamps would run backwards)."""


@dataclass(frozen=True)
class Segment:
    t0: int  # timeline frames [t0, t1)
    t1: int
    source: Path | None = None  # a take whose packets are copied; None: composed and encoded
    src0: int = 0  # the take's frame at t0

    @property
    def frames(self) -> int:
        return self.t1 - self.t0


@dataclass
class Plan:
    segments: list[Segment]
    reference: Path  # a tiny encode with the render's settings: the stream template

    @property
    def copied_frames(self) -> int:
        return sum(s.frames for s in self.segments if s.source is not None)

    def discard(self) -> None:
        remove_quietly(self.reference)


def plan(cut: Cut, lo: int, hi: int, crf: int, preset: str, *, scratch: Path) -> Plan | None:
    """Which stretches of [lo, hi) can be copied; None when no V1 clip could be.

    `scratch` is the master's temporary path: the reference encode and the parts are named after
    it (hidden, `.part` in the name), so crash recovery sweeps them with the master's own.
    """
    candidates = [c for c in cut.track("V1").clips if _same_format(c, cut) and c.end_frame > lo and c.start_frame < hi]
    if not candidates:
        return None
    reference = _reference(cut, crf, preset, scratch.with_name(f"{scratch.stem}.ref.mp4"))
    covered = [(c.start_frame, c.end_frame) for c in cut.track("V2").clips if c.media and c.media.kind in ("video", "image")]
    copies: list[Segment] = []
    for clip in candidates:
        media = clip.media
        if media is None or not can_stream_copy([reference, media.path]):  # _same_format kept only clips with a take
            continue
        closed = _closed_keyframes(media.path, cut.fps)
        for t0, t1 in _free(max(lo, clip.start_frame), min(hi, clip.end_frame), covered):
            span = _on_keyframes(
                clip.trim_in + t0 - clip.start_frame, clip.trim_in + t1 - clip.start_frame, closed, media.num_frames
            )
            if span is not None:
                a, b = span
                copies.append(Segment(clip.start_frame + a - clip.trim_in, clip.start_frame + b - clip.trim_in, media.path, a))
    segments, cursor = [], lo
    for seg in sorted(copies, key=lambda s: s.t0):
        if seg.t0 > cursor:
            segments.append(Segment(cursor, seg.t0))
        segments.append(seg)
        cursor = seg.t1
    if cursor < hi:
        segments.append(Segment(cursor, hi))
    return Plan(segments, reference)


def render(cut: Cut, plan: Plan, out: Path, options, progress) -> int:
    """Write the planned master to `out`; returns the number of copied frames."""
    parts: dict[int, Path] = {}
    lo = plan.segments[0].t0
    try:
        done = 0
        for i, seg in enumerate(plan.segments):
            if seg.source is None:
                parts[i] = out.with_name(f"{out.stem}.seg{i}.mp4")

                def on_frame(k: int, base: int = done) -> None:
                    progress.frame(base + k)

                write_video(
                    compose(cut, seg.t0, seg.t1),
                    parts[i],
                    _MP4,
                    fps=cut.fps,
                    width=cut.width,
                    height=cut.height,
                    mix=None,
                    crf=options.crf,
                    preset=options.preset,
                    on_frame=on_frame,
                )
            done += seg.frames
        _mux(cut, plan, parts, out, lo, progress)
    finally:
        remove_quietly(*parts.values())
        plan.discard()
    return plan.copied_frames


def _mux(cut: Cut, plan: Plan, parts: dict[int, Path], out: Path, lo: int, progress) -> None:
    output = open_container(out, _MP4)
    mix = Mix(cut, lo)
    try:
        with av.open(str(plan.reference)) as ref:
            template = ref.streams.video[0]
            video = output.add_stream_from_template(template)
            video.time_base = template.time_base
            time_base = template.time_base
        assert time_base is not None  # an opened MP4 stream always has one
        ticks = int(1 / (cut.fps * time_base))  # one frame in the stream's time base
        sound = MixFeeder(output, mix, cut.fps, _MP4.audio_codec)
        last_dts = None
        for i, seg in enumerate(plan.segments):
            path = parts[i] if seg.source is None else seg.source
            first, count = (0, seg.frames) if seg.source is None else (seg.src0, seg.frames)
            shift = (seg.t0 - lo - first) * ticks
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                origin = stream.start_time or 0
                if seg.source is not None:
                    container.seek(origin + first * ticks, stream=stream, backward=True, any_frame=False)
                for packet in container.demux(stream):
                    if packet.dts is None or packet.pts is None:
                        continue
                    index = round(Fraction(packet.pts - origin, ticks))
                    if index >= first + count:  # the next closed GOP: nothing of the span follows it
                        break
                    if not first <= index < first + count:
                        continue
                    packet.pts += shift - origin
                    packet.dts += shift - origin
                    if last_dts is not None and packet.dts <= last_dts:
                        raise NotCopyable(f"{path.name}: timestamps would run backwards at frame {seg.t0}")
                    last_dts = packet.dts
                    packet.stream = video
                    output.mux(packet)
                    if seg.source is not None:
                        progress.frame(seg.t0 - lo + index - first, "Copying")
            sound.feed_until(seg.t1 - lo)
        sound.finish(plan.segments[-1].t1 - lo)
    finally:
        mix.close()
        output.close()


def _same_format(clip: CutClip, cut: Cut) -> bool:
    m = clip.media
    return (
        m is not None
        and m.kind == "video"
        and m.video_codec == "h264"
        and m.fps == cut.fps
        and (m.width, m.height) == (cut.width, cut.height)
        and clip.trim_in + clip.length <= m.num_frames
    )


def _reference(cut: Cut, crf: int, preset: str, path: Path) -> Path:
    """Two black frames through the render's encoder: its parameter sets, to compare takes with."""
    black = np.zeros((cut.height * 3 // 2, cut.width), np.uint8)
    black[: cut.height] = 16
    black[cut.height :] = 128
    frames = (av.VideoFrame.from_ndarray(black, format="yuv420p") for _ in range(2))
    try:
        write_video(
            frames,
            path,
            _MP4,
            fps=cut.fps,
            width=cut.width,
            height=cut.height,
            mix=None,
            crf=crf,
            preset=preset,
            on_frame=lambda i: None,
        )
    except BaseException:
        remove_quietly(path)
        raise
    return path


def _closed_keyframes(path: Path, fps: Fraction) -> list[int]:
    """Frame indices of keyframes that no later packet reaches back across (closed GOP starts)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin, tb = stream.start_time or 0, stream.time_base
        assert tb is not None  # an opened video stream always has one
        order = [
            (round((p.pts - origin) * tb * fps), p.is_keyframe)
            for p in container.demux(stream)
            if p.pts is not None and p.dts is not None
        ]
    keys, later_min = [], 1 << 62  # the smallest frame index among the packets decoded later
    for index, key in reversed(order):
        if key and later_min > index:
            keys.append(index)
        later_min = min(later_min, index)
    return sorted(keys)


def _free(t0: int, t1: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[t0, t1) minus the covered intervals, as ordered intervals."""
    spans = [(t0, t1)]
    for c0, c1 in covered:
        nxt = []
        for a, b in spans:
            if c1 <= a or c0 >= b:
                nxt.append((a, b))
                continue
            if a < c0:
                nxt.append((a, c0))
            if c1 < b:
                nxt.append((c1, b))
        spans = nxt
    return [s for s in spans if s[1] > s[0]]


def _on_keyframes(a: int, b: int, closed: list[int], num_frames: int) -> tuple[int, int] | None:
    """The largest [x, y) inside [a, b) that starts on a closed keyframe and ends on one or the end."""
    starts = [k for k in closed if a <= k < b]
    ends = [k for k in closed if a < k <= b] + ([num_frames] if a < num_frames <= b else [])
    if not starts or not ends:
        return None
    x, y = starts[0], max(ends)
    return (x, y) if y > x else None
