"""Smart render copies what needs no re-encode and gives the same frames as the full render."""

from __future__ import annotations

import av
import numpy as np
import pytest

from milimo.render import RenderOptions, render_cut
from tests.render.clips import clip, codes, cut_of, decoded_audio, draft_clip


def yuv_frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray().astype(np.int16) for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    d = tmp_path_factory.mktemp("takes")
    return {
        "x": draft_clip(d / "x.mp4", 48, code0=100),
        "y": draft_clip(d / "y.mp4", 60, code0=200, scene_at=24),  # keyframes at 0 and 24
        "z": draft_clip(d / "z.mp4", 60, code0=300, scene_at=30),  # keyframes at 0 and 30
        "slow": draft_clip(d / "slow.mp4", 20, code0=400, fps=12),
        "over": draft_clip(d / "over.mp4", 10, code0=500, colour=(200, 200, 200)),
    }


def mixed_cut(t):
    """x whole | y from frame 5 | slow (12 fps) | z whole with V2 over its first 10 frames."""
    return cut_of(
        [
            clip("x", "V1", t["x"]),
            clip("y", "V1", t["y"], trim_in=5),
            clip("slow", "V1", t["slow"], num_frames=24),
            clip("z", "V1", t["z"]),
            clip("over", "V2", t["over"], start=48 + 55 + 24),
        ]
    )


def test_smart_render_equals_the_full_render_frame_for_frame(takes, tmp_path):
    cut = mixed_cut(takes)
    full = render_cut(cut, tmp_path / "full.mp4", options=RenderOptions(smart=False))
    smart = render_cut(cut, tmp_path / "smart.mp4", options=RenderOptions(smart=True))
    # Copied: x whole (48), y from its keyframe at 24 (36 frames), z from its keyframe at 30 (30).
    assert (full.copied_frames, smart.copied_frames) == (0, 48 + 36 + 30)
    assert smart.num_frames == full.num_frames == 48 + 55 + 24 + 60
    assert codes(smart.path) == codes(full.path)
    a, b = yuv_frames(full.path), yuv_frames(smart.path)
    assert len(a) == len(b) == full.num_frames
    diffs = [float(np.abs(p - q).mean()) for p, q in zip(a, b, strict=True)]
    assert max(diffs) < 1.5, max(diffs)  # only x264's loss on re-encoded frames
    sa, sb = decoded_audio(full.path)[0], decoded_audio(smart.path)[0]
    assert sa.shape == sb.shape
    assert np.abs(sa - sb).max() < 1e-4  # the same mix, encoded the same way


def test_copied_stretches_are_the_takes_own_pictures(takes, tmp_path):
    cut = cut_of([clip("x", "V1", takes["x"]), clip("y", "V1", takes["y"], trim_in=5)])
    smart = render_cut(cut, tmp_path / "smart.mp4")
    out = yuv_frames(smart.path)
    x, y = yuv_frames(takes["x"]), yuv_frames(takes["y"])
    assert all(np.array_equal(out[i], x[i]) for i in range(48))  # bit-exact: the packets were copied
    assert all(np.array_equal(out[48 + 19 + i], y[24 + i]) for i in range(36))
    assert codes(smart.path) == list(range(100, 148)) + list(range(205, 260))


def test_a_range_and_a_cut_with_nothing_to_copy(takes, tmp_path):
    cut = mixed_cut(takes)
    part = render_cut(cut, tmp_path / "part.mp4", options=RenderOptions(in_frame=40, out_frame=110))
    assert part.copied_frames == 36  # x is cut at 40, not on a keyframe; y's GOP from 24 is whole inside
    full = render_cut(cut, tmp_path / "full.mp4", options=RenderOptions(in_frame=40, out_frame=110, smart=False))
    slow = [400, 400, 401, 401, 402, 402, 403]  # 12 fps: each of its frames twice
    assert codes(part.path) == codes(full.path) == list(range(140, 148)) + list(range(205, 260)) + slow
    cut_short = render_cut(cut, tmp_path / "short.mp4", options=RenderOptions(in_frame=40, out_frame=100))
    assert cut_short.copied_frames == 0  # the range ends inside y's last GOP: nothing whole to copy
    other = render_cut(cut_of([clip("slow", "V1", takes["slow"], num_frames=24)]), tmp_path / "slow.mp4")
    assert other.copied_frames == 0 and len(codes(other.path)) == 24


def test_other_encoder_settings_are_not_copied(takes, tmp_path):
    cut = cut_of([clip("x", "V1", takes["x"])])
    for crf, preset in ((30, "medium"), (18, "fast")):
        result = render_cut(cut, tmp_path / "other.mp4", options=RenderOptions(crf=crf, preset=preset))
        # Other x264 settings write other parameter sets than the takes' (crf 18, medium): re-encoded.
        assert result.copied_frames == 0
        assert codes(result.path) == list(range(100, 148))
