"""The draft animatic: determinism, laziness, cancellation, frame codes, continuation, modes, sync pips."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Sequence

import av
import numpy as np
import psutil
import pytest
from PIL import Image

from milimo.engines.draft import DraftVideoEngine, decode_frame_number
from milimo.engines.draft.sync import SAMPLE_RATE, picture_height, sample_at
from milimo.engines.protocols import (
    ConditioningImage,
    ConditioningVideo,
    Continuation,
    ShotContext,
    VideoEngine,
    VideoRequest,
)

from .conftest import decode_all, encode_h264

ENGINE = DraftVideoEngine()
SCENE = ShotContext(
    scene_heading="INT. KITCHEN - NIGHT",
    action="Maya pours coffee with shaking hands while rain hammers the window.",
    character="Maya",
    dialogue="You said you'd be home by eight.",
    shot_type="close_up",
)


def render(request: VideoRequest, on_step=lambda i, n: None) -> list[np.ndarray]:
    return list(ENGINE.generate(request, on_step).frames)


def small(frame: np.ndarray, size=(48, 32)) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX), dtype=np.float32)


def test_draft_video_engine_is_honest_about_itself():
    assert isinstance(ENGINE, VideoEngine)
    assert (ENGINE.name, ENGINE.family, ENGINE.uses_accelerator) == ("draft", "draft", False)
    caps = ENGINE.capabilities
    assert (caps.native_max_frames, caps.frame_step, caps.size_multiple, caps.min_size, caps.max_size) == (505, 8, 32, 64, 2048)
    assert caps.accepts_images and caps.accepts_keyframes and caps.accepts_video and caps.returns_audio
    assert not caps.exposes_latents
    ENGINE.load()
    ENGINE.unload()
    assert ENGINE.describe()["weights"] is None


def test_same_request_gives_identical_frames_and_another_seed_changes_them(photo):
    card = VideoRequest(prompt="A kitchen at night", width=320, height=192, num_frames=9, context=SCENE)
    a, b = render(card), render(card)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    other = render(VideoRequest(**{**card.__dict__, "seed": 7}))
    assert not np.array_equal(a[0], other[0])
    i2v = VideoRequest(prompt="p", width=320, height=192, num_frames=9, images=[ConditioningImage(photo)])
    assert all(np.array_equal(x, y) for x, y in zip(render(i2v), render(i2v)))


def test_frames_are_rendered_lazily_with_one_step_per_frame_in_order():
    steps: list[tuple[int, int]] = []
    result = ENGINE.generate(VideoRequest(prompt="p", width=320, height=192, num_frames=17), lambda i, n: steps.append((i, n)))
    assert steps == []  # nothing rendered until the consumer pulls
    assert (result.num_frames, result.width, result.height, len(result.frames)) == (17, 320, 192, 17)
    count = 0
    for frame in result.frames:
        count += 1
        assert steps[-1] == (count, 17) and len(steps) == count
        assert frame.shape == (192, 320, 3) and frame.dtype == np.uint8
    assert count == 17


def test_a_raising_step_callback_stops_generation():
    class Cancelled(Exception):
        pass

    def on_step(i: int, n: int) -> None:
        if i == 3:
            raise Cancelled

    got = []
    with pytest.raises(Cancelled):
        for frame in ENGINE.generate(VideoRequest(prompt="p", width=256, height=144, num_frames=50), on_step).frames:
            got.append(frame)
    assert len(got) == 2


def test_frame_numbers_round_trip_on_raw_frames(photo):
    frames = render(VideoRequest(prompt="p", width=256, height=144, num_frames=25, images=[ConditioningImage(photo)]))
    assert [decode_frame_number(f) for f in frames] == list(range(25))


def test_frames_without_a_code_decode_to_none(photo):
    assert decode_frame_number(np.full((144, 256, 3), 128, np.uint8)) is None
    assert decode_frame_number(np.asarray(photo)) is None
    noise = np.random.default_rng(1).integers(0, 256, (144, 256, 3), dtype=np.uint8)
    assert decode_frame_number(noise) is None


@pytest.mark.parametrize("size", [(768, 512), (256, 144)])
def test_frame_numbers_survive_h264_at_crf_18(tmp_path, size):
    w, h = size
    noisy = Image.fromarray(np.random.default_rng(2).integers(0, 256, (300, 450, 3), dtype=np.uint8))
    request = VideoRequest(
        prompt="p", width=w, height=h, num_frames=24, images=[ConditioningImage(noisy)], context=ShotContext(shot_type="tracking")
    )
    path = encode_h264(ENGINE.generate(request, lambda i, n: None).frames, tmp_path / "clip.mp4", w, h)
    decoded = decode_all(path)
    assert [decode_frame_number(f) for f in decoded] == list(range(24))


def test_continuation_reproduces_the_overlap_exactly_and_keeps_counting(photo):
    base = dict(prompt="p", width=320, height=192, images=[ConditioningImage(photo)], context=ShotContext(shot_type="wide"))
    first = render(VideoRequest(num_frames=33, **base))
    overlap = first[-9:]
    second = render(VideoRequest(num_frames=33, continuation=Continuation(frames=overlap), **base))
    assert all(np.array_equal(a, b) for a, b in zip(second[:9], overlap))
    assert [decode_frame_number(f) for f in second] == list(range(24, 57))
    # The motion carries on from the last overlap frame: the seam moves no more than a normal step.
    ph = picture_height(192)
    step = np.abs(second[9][:ph].astype(int) - second[8][:ph].astype(int)).mean()
    typical = max(np.abs(first[k + 1][:ph].astype(int) - first[k][:ph].astype(int)).mean() for k in range(len(first) - 1))
    assert step <= typical + 1.0


def test_a_chained_title_card_equals_the_unchained_render():
    base = dict(prompt="A kitchen at night", width=320, height=192, context=SCENE, seed=3)
    whole = render(VideoRequest(num_frames=57, **base))
    first = render(VideoRequest(num_frames=33, **base))
    second = render(VideoRequest(num_frames=33, continuation=Continuation(frames=first[-9:]), **base))
    chained = first + second[9:]
    assert len(chained) == 57
    assert all(np.array_equal(a, b) for a, b in zip(chained, whole))


def test_continuation_from_frames_without_a_code_counts_from_the_overlap(photo):
    foreign = [np.asarray(photo.resize((256, 144)))] * 4
    frames = render(VideoRequest(prompt="p", width=256, height=144, num_frames=12, continuation=Continuation(frames=foreign)))
    assert np.array_equal(frames[3], foreign[3])
    assert [decode_frame_number(f) for f in frames[4:]] == list(range(4, 12))


def test_image_to_video_first_frame_is_the_conditioning_image(photo):
    w, h = 384, 256
    frames = render(VideoRequest(prompt="p", width=w, height=h, num_frames=9, images=[ConditioningImage(photo)]))
    ph = picture_height(h)
    expected = photo.resize((w, ph))  # same aspect within a pixel: a centre crop is nearly the whole image
    error = np.abs(small(frames[0][:ph]) - small(np.asarray(expected))).mean()
    unrelated = np.abs(small(frames[0][:ph]) - small(np.asarray(expected)[::-1, ::-1])).mean()
    assert error < 4.0 < unrelated
    assert not np.array_equal(frames[0], frames[-1])  # and the camera moves


@pytest.mark.parametrize("shot", ["close_up", "establishing", "tracking", "insert", ""])
def test_every_camera_move_is_smooth(photo, shot):
    frames = render(
        VideoRequest(
            prompt="p",
            width=256,
            height=144,
            num_frames=49,
            seed=5,
            images=[ConditioningImage(photo)],
            context=ShotContext(shot_type=shot),
        )
    )
    ph = picture_height(144)
    steps = [np.abs(small(frames[k + 1][:ph]) - small(frames[k][:ph])).mean() for k in range(48)]
    assert max(steps) < 6.0  # no jumps
    assert np.abs(small(frames[-1][:ph]) - small(frames[0][:ph])).mean() > 1.0  # it does move


def test_keyframes_show_their_images_at_their_frame_indices():
    red, blue, green = (Image.new("RGB", (300, 200), c) for c in ((220, 30, 30), (30, 30, 220), (30, 200, 30)))
    images = [ConditioningImage(red, 0), ConditioningImage(blue, 12), ConditioningImage(green, 24)]
    frames = render(VideoRequest(prompt="p", width=256, height=144, num_frames=25, pipeline="keyframe", images=images))
    ph = picture_height(144)
    for index, colour in ((0, (220, 30, 30)), (12, (30, 30, 220)), (24, (30, 200, 30))):
        assert np.abs(frames[index][:ph].reshape(-1, 3).mean(axis=0) - colour).max() < 1.5
    middle = frames[9][:ph].reshape(-1, 3).mean(axis=0)  # inside the dissolve toward blue
    assert middle[0] > 30 and middle[2] > 30


def test_title_card_typesets_the_shot_when_there_is_no_image():
    for w, h in ((768, 512), (256, 144)):
        frame = render(VideoRequest(prompt="fallback", width=w, height=h, num_frames=1, context=SCENE))[0]
        text_area = frame[int(h * 0.2) : int(h * 0.5), int(w * 0.05) : int(w * 0.9)]
        luma = text_area.astype(np.float32).mean(axis=2)
        assert luma.std() > 15  # glyphs on a plain ground
        assert (luma > luma.mean() + 60).mean() > 0.02


def test_video_conditioning_is_restyled_frame_by_frame(tmp_path):
    frames = []
    for k in range(24):
        a = np.full((144, 256, 3), 40, np.uint8)
        a[:, k * 8 : k * 8 + 40] = 230  # a bright bar sweeping right
        frames.append(a)
    path = encode_h264(frames, tmp_path / "ref.mp4", 256, 144)
    out = render(
        VideoRequest(prompt="p", width=256, height=144, num_frames=24, pipeline="ic_lora", videos=[ConditioningVideo(path)])
    )
    ph = picture_height(144)
    col = lambda f: int(np.argmax(f[:ph].astype(np.float32).mean(axis=(0, 2))))  # noqa: E731
    assert col(out[20]) > col(out[2]) + 60  # the bar moves as in the source
    assert not np.array_equal(out[2][:ph], np.asarray(Image.fromarray(frames[2]).resize((256, ph))))  # restyled
    assert [decode_frame_number(f) for f in out] == list(range(24))


def test_a_missing_conditioning_video_fails_before_rendering(tmp_path):
    with pytest.raises(FileNotFoundError):
        ENGINE.generate(VideoRequest(prompt="p", videos=[ConditioningVideo(tmp_path / "gone.mp4")]), lambda i, n: None)


def test_bad_continuation_frames_are_refused():
    with pytest.raises(ValueError, match="continuation"):
        ENGINE.generate(
            VideoRequest(prompt="p", width=256, height=144, continuation=Continuation(frames=[np.zeros((10, 10, 3), np.uint8)])),
            lambda i, n: None,
        )


@pytest.mark.parametrize("fps", [24.0, 30000 / 1001])
def test_audio_is_exactly_as_long_as_the_clip_with_pips_on_whole_seconds(fps):
    n = 97
    audio = ENGINE.generate(VideoRequest(prompt="p", width=256, height=144, num_frames=n, fps=fps), lambda i, k: None).audio
    assert audio is not None and audio.sample_rate == SAMPLE_RATE == 48_000
    assert audio.samples.dtype == np.float32 and audio.samples.shape == (1, round(n * SAMPLE_RATE / fps))
    loud = np.abs(audio.samples[0]) > 0.05
    onsets = [i for i in np.flatnonzero(loud) if i == 0 or not loud[max(0, i - 48) : i].any()]
    seconds = int(n / fps) + 1 if n / fps > int(n / fps) else int(n / fps)
    assert len(onsets) == seconds
    for k, onset in enumerate(onsets):
        assert abs(onset - k * SAMPLE_RATE) <= 48  # within a millisecond of the whole second


def test_a_continued_chunk_carries_the_global_pips():
    base = dict(prompt="p", width=256, height=144, fps=24.0)
    whole = ENGINE.generate(VideoRequest(num_frames=57, **base), lambda i, n: None).audio.samples
    first = render(VideoRequest(num_frames=33, **base))
    second = ENGINE.generate(
        VideoRequest(num_frames=33, continuation=Continuation(frames=first[-9:]), **base), lambda i, n: None
    ).audio.samples
    assert np.array_equal(second, whole[:, sample_at(24, 24.0) : sample_at(57, 24.0)])


def test_memory_stays_flat_over_2000_frames(photo):
    result = ENGINE.generate(
        VideoRequest(prompt="p", width=256, height=144, num_frames=2000, images=[ConditioningImage(photo)]), lambda i, n: None
    )
    process = psutil.Process()
    baseline = 0
    count = 0
    for _frame in result.frames:
        count += 1
        if count == 200:
            gc.collect()
            baseline = process.memory_info().rss
    gc.collect()
    assert count == 2000
    assert process.memory_info().rss - baseline < 20 * 1024 * 1024


def test_pyav_reads_what_the_engine_made(tmp_path):
    """The frames are plain RGB uint8 that a real encoder takes as they come."""
    path = encode_h264(
        ENGINE.generate(VideoRequest(prompt="p", width=256, height=144, num_frames=9), lambda i, n: None).frames,
        tmp_path / "c.mp4",
        256,
        144,
    )
    with av.open(str(path)) as c:
        assert c.streams.video[0].frames in (0, 9)
        assert sum(1 for _ in c.decode(video=0)) == 9


def test_a_title_card_continues_from_frames_that_went_through_h264(tmp_path):
    base = dict(prompt="A kitchen at night", width=256, height=144, context=SCENE)
    whole = render(VideoRequest(num_frames=41, **base))
    first = render(VideoRequest(num_frames=25, **base))
    overlap = decode_all(encode_h264(first, tmp_path / "chunk0.mp4", 256, 144))[-9:]
    second = render(VideoRequest(num_frames=25, continuation=Continuation(frames=overlap), **base))
    assert [decode_frame_number(f) for f in second] == list(range(16, 41))
    assert all(np.array_equal(a, b) for a, b in zip(second[9:], whole[25:]))


class FramesOnDisk(Sequence[np.ndarray]):
    """A read-only sequence that reads each frame from a file when asked for it (and counts reads)."""

    def __init__(self, path, frames: list[np.ndarray]):
        self.path, self.shape, self.reads = path, frames[0].shape, 0
        path.write_bytes(b"".join(f.tobytes() for f in frames))
        self.count = len(frames)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.count))]
        i = i + self.count if i < 0 else i
        if not 0 <= i < self.count:
            raise IndexError(i)
        self.reads += 1
        size = int(np.prod(self.shape))
        return np.fromfile(self.path, np.uint8, count=size, offset=i * size).reshape(self.shape)


def test_a_read_only_continuation_is_read_while_rendering_not_copied_up_front(tmp_path, photo):
    base = dict(prompt="p", width=256, height=144, images=[ConditioningImage(photo)], context=ShotContext(shot_type="wide"))
    overlap = render(VideoRequest(num_frames=33, **base))[-9:]
    expected = render(VideoRequest(num_frames=33, continuation=Continuation(frames=tuple(overlap)), **base))
    on_disk = FramesOnDisk(tmp_path / "tail.rgb", overlap)
    result = ENGINE.generate(VideoRequest(num_frames=33, continuation=Continuation(frames=on_disk), **base), lambda i, n: None)
    before = on_disk.reads
    frames = list(result.frames)
    assert on_disk.reads >= before + 9  # the overlap is read when the frames are pulled, not held since generate()
    assert all(np.array_equal(a, b) for a, b in zip(frames, expected))


def test_a_mutable_continuation_is_copied_so_later_edits_do_not_leak_in(photo):
    base = dict(prompt="p", width=256, height=144, images=[ConditioningImage(photo)], context=ShotContext(shot_type="wide"))
    overlap = render(VideoRequest(num_frames=33, **base))[-9:]
    expected = render(VideoRequest(num_frames=33, continuation=Continuation(frames=tuple(overlap)), **base))
    mutable = list(overlap)
    result = ENGINE.generate(VideoRequest(num_frames=33, continuation=Continuation(frames=mutable), **base), lambda i, n: None)
    mutable.clear()
    assert all(np.array_equal(a, b) for a, b in zip(result.frames, expected))


def test_frames_the_consumer_keeps_are_never_drawn_over(photo):
    """Frames let go of are drawn over again (no fresh mapping per frame); kept ones, or views of them, never are."""
    for request in (
        VideoRequest(prompt="p", width=256, height=144, num_frames=30, context=SCENE),
        VideoRequest(prompt="p", width=256, height=144, num_frames=30, images=[ConditioningImage(photo)]),
    ):
        expected = [f.copy() for f in ENGINE.generate(request, lambda i, n: None).frames]  # copied as they come
        kept, views, dropped, reused = {}, {}, [], 0
        for i, frame in enumerate(ENGINE.generate(request, lambda i, n: None).frames):
            reused += any(ref() is frame for ref in dropped)
            if i % 3 == 0:
                kept[i] = frame
            elif i % 3 == 1:
                views[i] = frame[-20:]  # a view keeps its frame too
            else:
                dropped.append(weakref.ref(frame))
        assert all(np.array_equal(f, expected[i]) for i, f in kept.items())
        assert all(np.array_equal(v, expected[i][-20:]) for i, v in views.items())
        assert reused > 0  # the frames let go of came back, drawn over
