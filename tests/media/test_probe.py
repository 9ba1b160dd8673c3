"""probe() on real files: stills, clips with and without sound, audio-only, and garbage."""

from __future__ import annotations

import wave
from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from milimo.engines.protocols import AudioTrack
from milimo.media import MediaError, encode_video, probe

from .conftest import index_frames


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_probe_still_image(tmp_path, suffix):
    path = tmp_path / f"still{suffix}"
    Image.new("RGB", (120, 80), (200, 30, 30)).save(path)

    info = probe(path)
    assert (info.kind, info.width, info.height, info.num_frames) == ("image", 120, 80, 1)
    assert info.fps is None and info.duration == 0 and not info.has_audio


def test_probe_mp4_without_audio(tmp_path):
    path = tmp_path / "shot.mp4"
    encode_video(index_frames(30), path, fps=Fraction(24000, 1001), width=96, height=48)

    info = probe(path)
    assert (info.kind, info.width, info.height, info.num_frames) == ("video", 96, 48, 30)
    assert info.fps == Fraction(24000, 1001)
    assert info.fps_float == pytest.approx(23.976, abs=1e-3)
    assert info.duration == pytest.approx(30 * 1001 / 24000, abs=1e-3)
    assert info.video_codec == "h264"
    assert not info.has_audio and info.audio_codec is None and info.sample_rate is None


def test_probe_mp4_with_audio(tmp_path):
    path = tmp_path / "shot.mp4"
    audio = AudioTrack(np.zeros((2, 48000), np.float32), 48000)
    encode_video(index_frames(12), path, fps=24, width=96, height=48, audio=audio)

    info = probe(path)
    assert (info.kind, info.num_frames, info.fps) == ("video", 12, 24)
    assert (info.has_audio, info.audio_codec, info.sample_rate, info.channels) == (True, "aac", 48000, 2)
    assert info.duration == pytest.approx(0.5, abs=1 / 24)


def test_probe_counts_frames_when_the_container_has_no_count(tmp_path):
    """Matroska stores no frame count: probe counts packets instead of guessing from duration."""
    mp4, mkv = tmp_path / "shot.mp4", tmp_path / "shot.mkv"
    encode_video(index_frames(23), mp4, fps=24, width=96, height=48)
    with av.open(str(mp4)) as src, av.open(str(mkv), "w") as dst:
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    with av.open(str(mkv)) as c:
        assert c.streams.video[0].frames == 0  # the case under test

    info = probe(mkv)
    assert (info.kind, info.num_frames, info.fps) == ("video", 23, 24)


def test_probe_audio_only_wav(tmp_path):
    path = tmp_path / "line.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000 * 2, np.int16).tobytes())

    info = probe(path)
    assert (info.kind, info.has_audio, info.sample_rate, info.channels) == ("audio", True, 16000, 1)
    assert info.duration == pytest.approx(2.0, abs=0.01)
    assert info.num_frames == 0 and info.fps is None


def test_probe_animated_gif_is_video(tmp_path):
    path = tmp_path / "loop.gif"
    frames = [Image.new("RGB", (40, 30), (i * 40, 0, 0)) for i in range(5)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)

    info = probe(path)
    assert (info.kind, info.num_frames, info.width, info.height) == ("video", 5, 40, 30)


@pytest.mark.parametrize(
    "name, content",
    [
        ("noise.mp4", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8))),
        ("notes.mp4", b"INT. KITCHEN - NIGHT\nA kettle boils.\n" * 20),
        ("empty.mp4", b""),
        ("half.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10),
    ],
)
def test_probe_undecodable_input_raises_media_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MediaError, match=name):
        probe(path)


def test_probe_missing_file_raises_media_error(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "gone.mp4")
