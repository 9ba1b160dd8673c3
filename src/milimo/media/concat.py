"""Stitch video parts without re-encoding, and give the result one continuous audio track.

Parts made by encode_video with the same size, rate and settings share their H.264 parameter
sets, so their packets can be copied one after another with shifted timestamps: the cost is
reading and writing bytes, not encoding. Audio is not copied: AAC puts priming samples at
the start of every encoded part, which would click and drift by ~21 ms at each seam, so the
whole track is encoded once, cut to exactly num_frames / fps and interleaved with the video.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from milimo.engines.protocols import AudioTrack
from milimo.fsutil import atomic_path
from milimo.media.encode import MP4_OPTIONS, AudioFeeder, EncodeResult
from milimo.media.errors import MediaError
from milimo.media.probe import probe


def can_stream_copy(parts: list[Path]) -> bool:
    """True when every part is H.264 with identical parameters (size, rate, extradata)."""
    signature = None
    for part in parts:
        with av.open(str(part)) as container:
            v = container.streams.video[0]
            ctx = v.codec_context
            sig = (ctx.name, ctx.width, ctx.height, ctx.pix_fmt, v.average_rate, v.time_base, bytes(ctx.extradata or b""))
        if signature is None:
            signature = sig
        elif sig != signature:
            return False
    return signature is not None and signature[0] == "h264"


def concat_video_parts(parts: list[Path], out_path: Path, *, audio: AudioTrack | None = None) -> EncodeResult:
    """Join video-only MP4 parts (stream copy) into out_path (+faststart), muxing `audio` once.

    Raises MediaError when the parts cannot be copied together; use can_stream_copy first.
    """
    if not parts:
        raise MediaError("nothing to stitch: no parts")
    if not can_stream_copy(parts):
        raise MediaError("the parts differ in codec parameters; they cannot be joined without re-encoding")
    counts = [probe(p).num_frames for p in parts]
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        output = av.open(str(tmp), mode="w", format="mp4", options=MP4_OPTIONS)
        try:
            total = _copy(parts, counts, output, audio)
        finally:
            output.close()
    return EncodeResult(path=out_path, num_frames=total, fps=_rate(parts[0]))


def _rate(part: Path) -> Fraction:
    with av.open(str(part)) as container:
        rate = container.streams.video[0].average_rate
        assert rate is not None  # a part we encoded has a constant rate
        return Fraction(rate)


def _copy(parts: list[Path], counts: list[int], output, audio: AudioTrack | None) -> int:
    with av.open(str(parts[0])) as first:
        template = first.streams.video[0]
        assert template.average_rate is not None and template.time_base is not None  # parts we encoded have both
        rate, time_base = Fraction(template.average_rate), template.time_base
        video = output.add_stream_from_template(template)
        video.time_base = time_base
    sound = AudioFeeder(output, audio, rate) if audio is not None else None
    frame_ticks = int(1 / (rate * time_base))  # one frame in the parts' time base
    offset_frames = 0
    for part, count in zip(parts, counts):
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.dts is None:  # demuxer flush marker
                    continue
                assert packet.pts is not None  # an MP4 packet with a dts has a pts
                packet.pts += offset_frames * frame_ticks
                packet.dts += offset_frames * frame_ticks
                packet.stream = video
                output.mux(packet)
        offset_frames += count
        if sound is not None:
            sound.feed_until(offset_frames)  # keep audio interleaved part by part
    if sound is not None:
        sound.finish(offset_frames)
    return offset_frames
