"""The master render: frames where the player shows them, the mix, formats, ranges, cancel, errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from milimo.engines.draft.sync import PIP_HZ
from milimo.errors import Invalid, StudioError, Unavailable
from milimo.media import probe
from milimo.render import RenderOptions, render_cut
from milimo.render.output import FORMATS, require_encoder
from tests.render.clips import (
    clip,
    codes,
    cut_of,
    decoded_audio,
    draft_clip,
    energy_at,
    still,
    tone,
)

FPS = 24
TONE_HZ = 440


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    return {
        "a": draft_clip(d / "a.mp4", 48, code0=1000),  # project rate and size
        "b": draft_clip(d / "b.mp4", 20, code0=2000, fps=12, colour=(150, 60, 60)),  # half the rate
        "c": draft_clip(d / "c.mp4", 40, code0=3000, fps=30, width=320, height=180),  # other rate and size
        "d": draft_clip(d / "d.mp4", 20, code0=4000, colour=(60, 150, 60)),  # V2, full frame
        "e": draft_clip(d / "e.mp4", 24, code0=5000, width=192, height=144, colour=(250, 250, 250)),  # V2, 4:3
        "f": draft_clip(d / "f.mp4", 10, code0=6000),  # V2 after V1 ends
        "still": still(d / "still.png", 320, 240, (200, 30, 30)),
        "tone": tone(d / "tone.wav", 4.0, TONE_HZ),
    }


def timeline(media, **flags):
    """V1: a (trimmed 5/3) | still (12 f) | b (12 fps, trim_in 4) | c (30 fps 320x180) = frames 0..110.
    V2: d at 10 (trim_in 2), e (4:3) at 60, f at 120 after a gap. A1: the tone at 24 for 48 frames."""
    return cut_of(
        [
            clip("a", "V1", media["a"], trim_in=5, trim_out=3),
            clip("still", "V1", media["still"], num_frames=12),
            clip("b", "V1", media["b"], num_frames=30, trim_in=4),
            clip("c", "V1", media["c"], num_frames=32),
            clip("d", "V2", media["d"], start=10, trim_in=2),
            clip("e", "V2", media["e"], start=60, num_frames=10),
            clip("f", "V2", media["f"], start=120),
            clip("tone", "A1", media["tone"], start=24, num_frames=48, trim_in=12),
        ],
        fps=FPS,
        **flags,
    )


@pytest.fixture(scope="module")
def master(media, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "master.mp4"
    result = render_cut(timeline(media), out, options=RenderOptions(smart=False))
    assert (result.num_frames, result.in_frame, result.out_frame, result.copied_frames) == (130, 0, 130, 0)
    return out


def rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_master_has_every_frame_at_its_place(master):
    info = probe(master)
    assert (info.num_frames, info.width, info.height, info.fps) == (130, 256, 144, FPS)
    got = codes(master)
    assert len(got) == 130
    # V1 a, trimmed 5 in / 3 out; V2 d covers 10..27 with its frames from trim_in 2.
    assert got[:10] == list(range(1005, 1015))
    assert got[10:28] == list(range(4002, 4020))
    assert got[28:40] == list(range(1033, 1045))
    # b at 12 fps from trim_in 4: timeline frame k shows media frame floor((4 + k + 0.5) / 2).
    assert got[52:60] == [2002, 2002, 2003, 2003, 2004, 2004, 2005, 2005]
    assert got[70:78] == [2000 + (4 + k) // 2 for k in range(18, 26)]
    # c at 30 fps: floor((k + 0.5) * 30 / 24), scaled from 320x180 to fit 256x144.
    assert got[78:86] == [3000 + int((k + 0.5) * 1.25) for k in range(8)]
    assert got[108:110] == [3000 + int((k + 0.5) * 1.25) for k in (30, 31)]
    # The gap after V1 is black, then f on V2.
    assert got[110:120] == [None] * 10
    assert got[120:] == list(range(6000, 6010))


def test_stills_are_held_fitted_and_letterboxed(master):
    frames = rgb_frames(master)
    for f in (40, 46, 51):  # the still: 320x240 fitted into 256x144 is 192x144 at x = 32
        frame = frames[f].astype(int)
        assert np.abs(frame[72, 128] - (200, 30, 30)).max() < 12
        assert frame[72, 8].max() < 12 and frame[72, 250].max() < 12  # black pillars
    assert np.abs(frames[40].astype(int) - frames[51].astype(int)).max() < 6  # held, not moving


def test_gaps_are_black(master):
    frames = rgb_frames(master)
    assert all(frames[f].max() < 8 for f in (110, 115, 119))


def test_v2_letterbox_shows_v1_beneath(master):
    frames = rgb_frames(master)
    for f in (60, 65, 69):  # e is 4:3 (192x144 at x = 32) over b (red-brown)
        frame = frames[f].astype(int)
        assert np.abs(frame[60, 128] - (250, 250, 250)).max() < 12  # e on top
        assert np.abs(frame[60, 10] - (150, 60, 60)).max() < 16  # b at the sides
    assert np.abs(frames[70][60, 128].astype(int) - (150, 60, 60)).max() < 16  # e has ended


def test_audio_lasts_exactly_as_long_as_the_picture(master):
    samples, rate = decoded_audio(master)
    assert rate == 48_000 and samples.shape[0] == 2
    with av.open(str(master)) as c:
        a = c.streams.audio[0]
        assert a.duration * a.time_base * rate == 130 * rate // FPS  # declared length, to the sample
    assert samples.shape[1] == 130 * rate // FPS


def test_tone_on_a1_and_the_clips_pips_are_both_in_the_mix(master):
    samples, rate = decoded_audio(master)
    # a's frame code 1008 (a whole second of its timeline) is at timeline frame 3: a pip at 0.125 s.
    pip = energy_at(samples, rate, PIP_HZ, 3 / FPS, 3 / FPS + 0.035)
    quiet = energy_at(samples, rate, PIP_HZ, 0.2, 0.6)
    assert pip > 0.1 and quiet < 0.01, (pip, quiet)
    # d (V2) at 10 from trim_in 2 has its own pip at code 4008 (frame 16), and the pip of a at code
    # 1032 is at frame 27, under d: V1's sound plays under V2, as in the player.
    assert energy_at(samples, rate, PIP_HZ, 16 / FPS, 16 / FPS + 0.035) > 0.1
    assert energy_at(samples, rate, PIP_HZ, 27 / FPS, 27 / FPS + 0.035) > 0.1
    # The tone: A1 from frame 24 to 72 (1 s to 3 s), nothing before or after.
    assert energy_at(samples, rate, TONE_HZ, 1.1, 2.9) > 0.1
    assert energy_at(samples, rate, TONE_HZ, 0.2, 0.9) < 0.01
    assert energy_at(samples, rate, TONE_HZ, 3.1, 4.5) < 0.01


def test_muted_and_soloed_tracks(media, tmp_path):
    muted = render_cut(timeline(media, muted=("A1",)), tmp_path / "muted.mp4", options=RenderOptions(smart=False))
    samples, rate = decoded_audio(muted.path)
    assert energy_at(samples, rate, TONE_HZ, 1.1, 2.9) < 0.01  # the tone is gone
    assert energy_at(samples, rate, PIP_HZ, 3 / FPS, 3 / FPS + 0.035) > 0.1  # the pips are not
    solo = render_cut(timeline(media, solo=("A1",)), tmp_path / "solo.mp4", options=RenderOptions(smart=False))
    samples, rate = decoded_audio(solo.path)
    assert energy_at(samples, rate, TONE_HZ, 1.1, 2.9) > 0.1
    assert energy_at(samples, rate, PIP_HZ, 3 / FPS, 3 / FPS + 0.035) < 0.01
    assert codes(solo.path)[:3] == [1005, 1006, 1007]  # mute and solo are about sound only


def test_a_range_renders_part_of_the_cut(media, master, tmp_path):
    result = render_cut(timeline(media), tmp_path / "part.mp4", options=RenderOptions(in_frame=20, out_frame=60))
    assert result.num_frames == 40
    assert codes(result.path) == codes(master)[20:60]
    samples, rate = decoded_audio(result.path)
    assert samples.shape[1] == 40 * rate // FPS
    # The tone starts at frame 24 of the cut: 4 frames into the range.
    assert energy_at(samples, rate, TONE_HZ, 0.05, 0.15) < 0.01
    assert energy_at(samples, rate, TONE_HZ, 4 / FPS + 0.05, 1.5) > 0.1


def test_prores_master(media, tmp_path):
    cut = timeline(media)
    result = render_cut(cut, tmp_path / "master.mov", options=RenderOptions(format="prores", out_frame=48))
    info = probe(result.path)
    assert (info.container, info.video_codec, info.num_frames) == ("mov,mp4,m4a,3gp,3g2,mj2", "prores", 48)
    with av.open(str(result.path)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv422p10le"
        assert c.streams.audio[0].codec_context.name == "pcm_s24le"
    samples, rate = decoded_audio(result.path)
    assert samples.shape[1] == 48 * rate // FPS
    assert codes(result.path)[:12] == [*range(1005, 1015), 4002, 4003]


def test_cancel_mid_render_leaves_nothing(media, tmp_path):
    class Stop(Exception):
        pass

    seen = []

    def check_cancel():
        seen.append(1)
        if len(seen) == 60:
            raise Stop

    out = tmp_path / "renders" / "cancelled.mp4"
    with pytest.raises(Stop):
        render_cut(timeline(media), out, options=RenderOptions(smart=False), check_cancel=check_cancel)
    assert list(out.parent.iterdir()) == []
    with pytest.raises(Stop):  # smart render: the encoded parts and the reference go too
        seen.clear()
        render_cut(timeline(media), out, options=RenderOptions(smart=True), check_cancel=check_cancel)
    assert list(out.parent.iterdir()) == []


def test_progress_rises_to_one_naming_the_frame(media, tmp_path):
    calls = []
    render_cut(
        timeline(media), tmp_path / "p.mp4", options=RenderOptions(out_frame=24), on_progress=lambda f, m: calls.append((f, m))
    )
    assert calls[-1][0] == 1.0
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert all(m.startswith(("Rendering frame", "Copying frame")) for f, m in calls[:-1])


def test_bad_input_is_a_clear_error(media, tmp_path):
    out = tmp_path / "x.mp4"
    with pytest.raises(Invalid, match="empty"):
        render_cut(cut_of([]), out)
    cut = timeline(media)
    for lo, hi in ((0, 131), (-1, 10), (50, 50), (60, 20)):
        with pytest.raises(Invalid, match="outside the cut"):
            render_cut(cut, out, options=RenderOptions(in_frame=lo, out_frame=hi))
    with pytest.raises(Invalid, match="unknown format"):
        render_cut(cut, out, options=RenderOptions(format="avi"))
    with pytest.raises(StudioError):
        render_cut(cut_of([clip("a", "V1", media["a"])], width=255), out)
    assert not out.exists()


def test_prores_without_prores_ks_is_a_503_that_says_to_render_h264():
    """An FFmpeg build without the ProRes encoder (some distributions leave it out): say so, offer mp4."""
    without = frozenset(av.codecs_available) - {"prores_ks"}
    with pytest.raises(Unavailable, match=r"no prores_ks encoder.*render H\.264 \(format mp4\)") as err:
        require_encoder(FORMATS["prores"], available=without)
    assert err.value.status_code == 503
    require_encoder(FORMATS["mp4"], available=without)  # H.264 is still there
    require_encoder(FORMATS["prores"])  # and this build (PyAV's own FFmpeg) has it
