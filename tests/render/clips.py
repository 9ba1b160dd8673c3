"""Draft clips and cuts for the render tests: frame codes burned in, pips on the sound.

Each clip is made of the draft engine's sync aids (engines/draft/sync.py): frame i carries the
frame code `code0 + i` in its sync band, so a rendered frame names the clip and the frame it
came from; its sound has the engine's 1 kHz pips at every whole second of that code timeline.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from milimo.engines.draft.sync import (
    SAMPLE_RATE,
    decode_frame_number,
    picture_height,
    stamp,
    sync_pips,
)
from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video, probe
from milimo.render.cut import TRACK_NAMES, Cut, CutClip, CutMedia, Track


def draft_clip(
    path: Path,
    n: int,
    *,
    code0: int,
    fps=24,
    width=256,
    height=144,
    colour=(40, 90, 160),
    audio=True,
    scene_at: int | None = None,
) -> Path:
    """`scene_at`: from that frame on the picture is another colour, so x264 puts a keyframe there."""
    ph = picture_height(height)

    def frames():
        for i in range(n):
            picture = np.empty((ph, width, 3), np.uint8)
            picture[:] = colour if scene_at is None or i < scene_at else (230, 200, 40)
            picture[:, (i * 3) % width] = 255  # a moving line: frames differ
            yield stamp(picture, code0 + i, float(fps), height)

    track = AudioTrack(sync_pips(code0, n, float(fps)), SAMPLE_RATE) if audio else None
    encode_video(frames(), path, fps=fps, width=width, height=height, audio=track)
    return path


def still(path: Path, width=320, height=240, colour=(200, 30, 30)) -> Path:
    Image.new("RGB", (width, height), colour).save(path)
    return path


def tone(path: Path, seconds: float, hz: float, *, sample_rate=44_100, level=0.4) -> Path:
    """A WAV of a sine tone: A1 music whose pitch is easy to find in the mix."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    samples = (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)[None, :]
    with av.open(str(path), "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=sample_rate)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        frame.sample_rate = sample_rate
        for packet in s.encode(frame):
            c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)
    return path


def media(path: Path) -> CutMedia:
    info = probe(path)
    return CutMedia(
        asset_id=None,
        path=path,
        rel_path=path.name,
        url=f"/x/{path.name}",
        kind=info.kind,
        num_frames=info.num_frames,
        fps=info.fps,
        width=info.width,
        height=info.height,
        has_audio=info.has_audio,
        duration=info.duration,
        video_codec=info.video_codec,
        sample_rate=info.sample_rate,
        channels=info.channels,
    )


def clip(
    shot_id: str,
    track: str,
    path: Path | None,
    *,
    start: int = 0,
    num_frames: int | None = None,
    trim_in: int = 0,
    trim_out: int = 0,
) -> CutClip:
    m = media(path) if path is not None else None
    n = num_frames if num_frames is not None else (m.num_frames if m and m.kind == "video" else 24)
    return CutClip(
        shot_id=shot_id,
        name=shot_id,
        track=track,
        start_frame=start,
        length=max(1, n - trim_in - trim_out),
        trim_in=trim_in,
        trim_out=trim_out,
        num_frames=n,
        media=m,
    )


def cut_of(clips: list[CutClip], *, fps=24, width=256, height=144, muted=(), solo=()) -> Cut:
    """A Cut with V1 packed in the given order (as load_cut packs it) and V2/A1 where they say."""
    tracks = []
    for index, name in enumerate(TRACK_NAMES):
        mine = [c for c in clips if c.track == name]
        if name == "V1":
            packed, cursor = [], 0
            for c in mine:
                packed.append(CutClip(**{**c.__dict__, "start_frame": cursor}))
                cursor += c.length
            mine = packed
        else:
            mine.sort(key=lambda c: c.start_frame)
        tracks.append(Track(name, index, tuple(mine), muted=name in muted, solo=name in solo))
    return Cut(project_id="p", name="test", fps=Fraction(fps), width=width, height=height, tracks=tuple(tracks))


def codes(path: Path) -> list[int | None]:
    """The frame code of every frame of a rendered file."""
    with av.open(str(path)) as c:
        return [decode_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """(channels, n) float32 and the rate, cut to the length the container declares."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks = []
        for f in c.decode(stream):
            x = f.to_ndarray()
            if not f.format.is_planar:  # packed: (1, n * channels)
                x = x.reshape(-1, len(f.layout.channels)).T
            if np.issubdtype(x.dtype, np.integer):
                x = x / float(np.iinfo(x.dtype).max)
            chunks.append(x.astype(np.float32))
        declared = round(stream.duration * stream.time_base * rate) if stream.duration else None
    samples = np.concatenate(chunks, axis=1)
    return (samples[:, :declared] if declared else samples), rate


def energy_at(samples: np.ndarray, rate: int, hz: float, t0: float, t1: float) -> float:
    """Mean magnitude of the `hz` component of channel 0 between t0 and t1 seconds."""
    x = samples[0, int(t0 * rate) : int(t1 * rate)].astype(np.float64)
    t = np.arange(len(x)) / rate
    return float(abs(np.dot(x, np.exp(-2j * np.pi * hz * t))) / max(1, len(x)))
