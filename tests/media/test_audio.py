"""spool_audio: a clip's sound to a scratch file and back, the length and the signal intact."""

from __future__ import annotations

import numpy as np

from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video
from milimo.media.audio import spool_audio


def frames(n: int):
    return (np.full((64, 96, 3), i * 5 % 256, np.uint8) for i in range(n))


def test_a_clips_sound_comes_back_at_its_length(tmp_path):
    rate, n = 48_000, 24
    t = np.arange(rate) / rate
    mono = AudioTrack(samples=(0.5 * np.sin(2 * np.pi * 300 * t))[None].astype(np.float32), sample_rate=rate)
    path = encode_video(frames(n), tmp_path / "a.mp4", fps=24, width=96, height=64, audio=mono).path
    track = spool_audio(path, tmp_path / "a.f32")
    assert track is not None and track.sample_rate == rate and track.samples.shape[0] == 1
    assert abs(track.samples.shape[1] - rate) <= 1024
    rms = float(np.sqrt(np.mean(track.samples[:, 2048:-2048] ** 2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.02


def test_a_silent_clip_has_no_track(tmp_path):
    path = encode_video(frames(4), tmp_path / "s.mp4", fps=24, width=96, height=64).path
    assert spool_audio(path, tmp_path / "s.f32") is None
