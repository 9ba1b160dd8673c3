"""Reading frames back: the right frames, by index, from anywhere in the clip."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from milimo.media import MediaError, encode_video, iter_frames, last_frame, tail_frames, thumbnail

from .conftest import frame_index, index_frames


def test_iter_frames_yields_every_frame_in_order(clip_600):
    frames = iter_frames(clip_600)
    first = next(frames)
    assert first.dtype == np.uint8 and first.shape == (48, 96, 3)
    assert [frame_index(first)] + [frame_index(f) for f in frames] == list(range(600))


@pytest.mark.parametrize("start", [1, 63, 64, 65, 300, 511, 597, 599])
def test_iter_frames_from_a_start_frame_across_keyframes(clip_600, start):
    got = [frame_index(f) for f in iter_frames(clip_600, start, 3)]
    assert got == list(range(start, min(start + 3, 600)))


def test_iter_frames_past_the_end_is_empty_and_bad_arguments_fail_early(clip_600):
    assert list(iter_frames(clip_600, 600)) == []
    assert list(iter_frames(clip_600, 0, 0)) == []
    with pytest.raises(ValueError, match="start"):
        iter_frames(clip_600, -1)


def test_tail_frames_returns_exactly_the_last_n(clip_600):
    tail = tail_frames(clip_600, 9)
    assert [frame_index(f) for f in tail] == list(range(591, 600))
    assert tail_frames(clip_600, 0) == []


@pytest.mark.parametrize("n", [1, 2, 5])
def test_short_clips_give_their_tail_and_last_frame(tmp_path, n):
    path = tmp_path / f"{n}.mp4"
    encode_video(index_frames(n), path, fps=24, width=96, height=48)

    assert [frame_index(f) for f in tail_frames(path, 4)] == list(range(max(0, n - 4), n))
    last = last_frame(path)
    assert isinstance(last, Image.Image) and last.mode == "RGB" and last.size == (96, 48)
    assert frame_index(np.asarray(last)) == n - 1


def test_last_frame_of_a_long_clip(clip_600):
    assert frame_index(np.asarray(last_frame(clip_600))) == 599


def test_thumbnail_defaults_to_half_a_second_in_and_scales_down(tmp_path):
    clip = tmp_path / "wide.mp4"
    wide = (np.kron(f, np.ones((1, 8, 1), np.uint8)) for f in index_frames(48))  # 768 x 48
    encode_video(wide, clip, fps=24, width=768, height=48)
    thumbs = tmp_path / "thumbnails"

    path = thumbnail(clip, thumbs / "wide.jpg")
    assert path == thumbs / "wide.jpg"
    assert [p.name for p in thumbs.iterdir()] == ["wide.jpg"]  # no .part file left behind
    with Image.open(path) as im:
        assert (im.format, im.size) == ("JPEG", (512, 32))
        pixels = np.asarray(im.convert("RGB").resize((96, 48)))
    assert frame_index(pixels) == 12  # 0.5 s at 24 fps


def test_thumbnail_at_frame_is_clamped_to_the_clip(tmp_path):
    clip = tmp_path / "short.mp4"
    encode_video(index_frames(6), clip, fps=24, width=96, height=48)  # shorter than 0.5 s

    with Image.open(thumbnail(clip, tmp_path / "default.jpg")) as im:
        assert im.size == (96, 48)  # narrower than max_width: not scaled
        assert frame_index(np.asarray(im.convert("RGB"))) == 5
    with Image.open(thumbnail(clip, tmp_path / "first.jpg", at_frame=0)) as im:
        assert frame_index(np.asarray(im.convert("RGB"))) == 0
    with Image.open(thumbnail(clip, tmp_path / "late.jpg", at_frame=100)) as im:
        assert frame_index(np.asarray(im.convert("RGB"))) == 5


def test_reading_frames_from_garbage_raises_media_error(tmp_path):
    path = tmp_path / "garbage.mp4"
    path.write_bytes(b"\x00\x01" * 5000)
    with pytest.raises(MediaError):
        list(iter_frames(path))
    with pytest.raises(MediaError):
        last_frame(path)
    with pytest.raises(MediaError):
        thumbnail(path, tmp_path / "t.jpg")
    assert not (tmp_path / "t.jpg").exists()
