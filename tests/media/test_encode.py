"""encode_video with the real encoder: what comes out decodes as asked, failures leave nothing."""

from __future__ import annotations

import re
import weakref
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import psutil
import pytest

from milimo.engines.protocols import AudioTrack
from milimo.media import EncodeResult, encode_video, fps_fraction
from milimo.media.encode import x264_frame_threads

from .conftest import frame_index, index_frames, mp4_top_level_boxes


class Cancelled(Exception):
    """Stands in for the job's cancellation exception raised from a step callback."""


def decoded(path: Path) -> tuple[list[np.ndarray], av.video.stream.VideoStream]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        return [f.to_ndarray(format="rgb24") for f in c.decode(stream)], stream


@pytest.mark.parametrize("fps", [24, Fraction(24000, 1001), 23.976, Fraction(25, 2)])
def test_encoded_mp4_decodes_with_requested_frames_size_and_fps(tmp_path, fps):
    out = tmp_path / "shot.mp4"
    result = encode_video(index_frames(17), out, fps=fps, width=96, height=48)

    assert result == EncodeResult(path=out, num_frames=17, fps=fps_fraction(fps))
    frames, stream = decoded(out)
    assert [frame_index(f) for f in frames] == list(range(17))
    assert frames[0].shape == (48, 96, 3)
    assert stream.average_rate == fps_fraction(fps)
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert result.duration == pytest.approx(17 / float(fps_fraction(fps)))


def test_fps_fraction_keeps_ntsc_rates_exact():
    assert fps_fraction(24) == 24
    assert fps_fraction(23.976) == fps_fraction(24000 / 1001) == Fraction(24000, 1001)
    assert fps_fraction(29.97) == Fraction(30000, 1001)
    assert fps_fraction(12.5) == Fraction(25, 2)
    with pytest.raises(ValueError, match="fps"):
        fps_fraction(0)


def test_moov_box_comes_before_mdat_for_progressive_playback(tmp_path):
    out = tmp_path / "shot.mp4"
    encode_video(index_frames(9), out, fps=24, width=96, height=48)

    boxes = mp4_top_level_boxes(out.read_bytes())
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


@pytest.mark.parametrize("seconds", [0.5, 3.0], ids=["short-track-padded", "long-track-trimmed"])
def test_audio_track_lasts_exactly_as_long_as_the_video(tmp_path, seconds):
    rate, fps, n = 48000, Fraction(24000, 1001), 25
    t = np.arange(int(rate * seconds)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = tmp_path / "shot.mp4"
    encode_video(index_frames(n), out, fps=fps, width=96, height=48, audio=AudioTrack(np.stack([tone, tone]), rate))

    video_seconds = float(n / fps)
    with av.open(str(out)) as c:
        audio = c.streams.audio[0]
        assert (audio.codec_context.name, audio.sample_rate, audio.codec_context.channels) == ("aac", rate, 2)
        assert float(audio.duration * audio.time_base) == pytest.approx(video_seconds, abs=1 / float(fps))
        video = c.streams.video[0]
        assert float(video.duration * video.time_base) == pytest.approx(video_seconds, abs=1 / float(fps))
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    if seconds < video_seconds:  # the padding is silence; the tone is there before it
        assert np.abs(samples[int(0.1 * rate) : int(0.4 * rate)]).max() > 0.3
        assert np.abs(samples[int(0.6 * rate) : int(0.95 * rate)]).max() < 0.02


def test_mono_audio_at_24khz_is_muxed(tmp_path):
    out = tmp_path / "shot.mp4"
    track = AudioTrack(np.zeros((1, 24000), np.float32), 24000)
    encode_video(index_frames(5), out, fps=24, width=96, height=48, audio=track)
    with av.open(str(out)) as c:
        assert (c.streams.audio[0].sample_rate, c.streams.audio[0].codec_context.channels) == (24000, 1)


def test_source_raising_midway_leaves_no_file_and_no_part_file(tmp_path):
    def cancelled_after_five():
        yield from index_frames(5)
        raise Cancelled("job cancelled")

    out = tmp_path / "shot.mp4"
    with pytest.raises(Cancelled, match="job cancelled"):
        encode_video(cancelled_after_five(), out, fps=24, width=96, height=48)
    assert list(tmp_path.iterdir()) == []


def test_on_frame_reports_every_frame_in_order_and_may_cancel(tmp_path):
    seen: list[int] = []
    encode_video(index_frames(12), tmp_path / "a.mp4", fps=24, width=96, height=48, on_frame=seen.append)
    assert seen == list(range(12))

    def cancel_at_three(i: int) -> None:
        if i == 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        encode_video(index_frames(40), tmp_path / "b.mp4", fps=24, width=96, height=48, on_frame=cancel_at_three)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]


def test_failed_encode_keeps_the_previous_file(tmp_path):
    out = tmp_path / "shot.mp4"
    encode_video(index_frames(3), out, fps=24, width=96, height=48)
    before = out.read_bytes()

    def broken():
        yield from index_frames(2)
        raise Cancelled

    with pytest.raises(Cancelled):
        encode_video(broken(), out, fps=24, width=96, height=48)
    assert out.read_bytes() == before
    assert list(tmp_path.iterdir()) == [out]


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((48, 96, 3), np.float32), "frame 1: expected a uint8 RGB array of shape \\(48, 96, 3\\)"),
        (np.zeros((48, 96, 4), np.uint8), "frame 1: .*got uint8 array of shape \\(48, 96, 4\\)"),
        (np.zeros((50, 96, 3), np.uint8), "frame 1"),
        ("not a frame", "frame 1: .*got str"),
    ],
)
def test_bad_frame_is_a_value_error_naming_the_frame(tmp_path, bad, message):
    frames = [np.zeros((48, 96, 3), np.uint8), bad]
    with pytest.raises(ValueError, match=message):
        encode_video(frames, tmp_path / "shot.mp4", fps=24, width=96, height=48)
    assert list(tmp_path.iterdir()) == []


def test_odd_sizes_and_bad_settings_are_rejected_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="width must be even"):
        encode_video(index_frames(1), tmp_path / "a.mp4", fps=24, width=95, height=48)
    with pytest.raises(ValueError, match="height must be even"):
        encode_video(index_frames(1), tmp_path / "a.mp4", fps=24, width=96, height=47)
    with pytest.raises(ValueError, match="preset"):
        encode_video(index_frames(1), tmp_path / "a.mp4", fps=24, width=96, height=48, preset="quick")
    with pytest.raises(ValueError, match="sample rate"):
        bad_audio = AudioTrack(np.zeros((2, 100), np.float32), 12345)
        encode_video(index_frames(1), tmp_path / "a.mp4", fps=24, width=96, height=48, audio=bad_audio)
    with pytest.raises(ValueError, match="no frames"):
        encode_video(iter(()), tmp_path / "a.mp4", fps=24, width=96, height=48)
    assert list(tmp_path.iterdir()) == []


def test_non_contiguous_frames_are_accepted(tmp_path):
    wide = np.stack(list(index_frames(4, width=192)))
    views = [f[:, ::2] for f in wide]  # every other column: a strided view
    out = tmp_path / "shot.mp4"
    encode_video(views, out, fps=24, width=96, height=48)
    assert len(decoded(out)[0]) == 4


def test_frames_are_streamed_not_held(tmp_path):
    """300 frames of 256x256: the encoder must let go of each frame, and memory must stay flat."""
    process = psutil.Process()
    alive: list[weakref.ref] = []
    most_alive = 0
    rss: dict[int, int] = {}

    def frames():
        nonlocal most_alive
        rng = np.random.default_rng(0)
        for i in range(300):
            rss[i] = process.memory_info().rss
            frame = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)  # noise: no page is shared
            alive.append(weakref.ref(frame))
            most_alive = max(most_alive, sum(r() is not None for r in alive))
            yield frame

    # ultrafast keeps x264's own lookahead small; what is tested is our pipeline, not x264's.
    encode_video(frames(), tmp_path / "long.mp4", fps=24, width=256, height=256, preset="ultrafast")

    assert most_alive <= 2  # the frame being converted and the one being made
    # Holding every frame would grow by 240 x 192 KB = 46 MB (or 23 MB as YUV) after warm-up.
    assert rss[299] - rss[60] < 12 * 2**20


def test_x264_frame_threads_add_one_on_two_cores_and_leave_the_rest_to_x264():
    assert x264_frame_threads(2) == 4
    assert [x264_frame_threads(c) for c in (1, 3, 4, 8, 64)] == [0, 0, 0, 0, 0]


def test_the_frame_thread_count_reaches_x264(tmp_path):
    """x264 writes its settings into the stream (an SEI in the first packet): the count is ours."""
    frames = list(index_frames(3))
    height, width = frames[0].shape[:2]
    out = tmp_path / "t.mp4"
    encode_video(frames, out, fps=24, width=width, height=height)
    with av.open(str(out)) as c:
        first = bytes(next(p for p in c.demux(video=0) if p.size))
    written = re.search(rb" threads=(\d+) ", first)
    assert written is not None, "x264's settings SEI is missing"
    ours = x264_frame_threads()
    assert int(written[1]) == ours if ours else int(written[1]) >= 1  # 0: x264's own count
