"""Stream-copy stitching: exact frames in order, one audio track of exactly the video's length."""

from __future__ import annotations

import av
import numpy as np
import pytest

from milimo.engines.protocols import AudioTrack
from milimo.media import MediaError, encode_video, iter_frames, probe
from milimo.media.concat import can_stream_copy, concat_video_parts


def gray_part(path, start, count, size=(96, 64)):
    w, h = size
    frames = (np.full((h, w, 3), (start + k) * 7 % 256, np.uint8) for k in range(count))
    encode_video(frames, path, fps=24, width=w, height=h)
    return path


def test_parts_join_without_reencoding_and_keep_every_frame(tmp_path):
    parts = [gray_part(tmp_path / "a.mp4", 0, 30), gray_part(tmp_path / "b.mp4", 30, 17), gray_part(tmp_path / "c.mp4", 47, 9)]
    audio = AudioTrack(np.zeros((2, 48000 * 5), np.float32), 48000)
    result = concat_video_parts(parts, tmp_path / "out.mp4", audio=audio)
    assert result.num_frames == 56
    info = probe(tmp_path / "out.mp4")
    assert (info.num_frames, info.width, float(info.fps), info.has_audio, info.channels) == (56, 96, 24.0, True, 2)
    values = [int(f[..., 0].mean() + 0.5) for f in iter_frames(tmp_path / "out.mp4")]
    assert all(abs(v - (k * 7 % 256)) <= 3 for k, v in enumerate(values))
    with av.open(str(tmp_path / "out.mp4")) as c:
        dts = [p.dts for p in c.demux(c.streams.video[0]) if p.dts is not None]
    with av.open(str(tmp_path / "out.mp4")) as c:
        audio_s = sum(f.samples for f in c.decode(audio=0)) / 48000
    assert dts == sorted(dts) and len(set(dts)) == len(dts)
    assert abs(audio_s - 56 / 24) < 1 / 24
    # Stream copy: the packets are the parts' packets, byte for byte.
    with av.open(str(parts[1])) as c:
        b_first = bytes(next(p for p in c.demux(c.streams.video[0]) if p.size))
    with av.open(str(tmp_path / "out.mp4")) as c:
        packets = [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]
    assert packets[30] == b_first


def test_parts_that_differ_are_refused(tmp_path):
    parts = [gray_part(tmp_path / "a.mp4", 0, 9), gray_part(tmp_path / "b.mp4", 9, 9, size=(128, 64))]
    assert not can_stream_copy(parts)
    with pytest.raises(MediaError, match="re-encoding"):
        concat_video_parts(parts, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    with pytest.raises(MediaError, match="no parts"):
        concat_video_parts([], tmp_path / "out.mp4")
