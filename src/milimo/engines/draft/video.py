"""DraftVideoEngine: an animatic that stands in for LTX-2 until weights exist.

What a request gets, first match wins:
1. `continuation`: its frames verbatim, then the motion carries on from the last one (the same
   title card when that is what the previous chunk was, else a camera move over that frame);
2. a conditioning video (IC-LoRA): that video restyled through the seed's palette, under a camera move;
3. images at frame indices other than 0, or several images: keyframes that dissolve into each other;
4. one image at frame 0 (image-to-video): a camera move over it, chosen from the shot type;
5. nothing: a typeset title card of the shot (heading, action, character, dialogue) that breathes.

Every frame ends in a sync band (frame-code strip + counter, see sync.py) stamped with the
absolute frame index, and the audio is a 1 kHz sync pip on every whole second. Frames are
rendered lazily as the consumer pulls them; on_step(i, n) follows each one and may raise to cancel.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, MutableSequence, Sequence

import numpy as np
from PIL import Image

from ..protocols import (
    AudioTrack,
    StepCallback,
    VideoCapabilities,
    VideoRequest,
    VideoResult,
)
from . import sources
from .base import DraftEngine
from .camera import canvas_for, choose_move
from .drawing import palette, wash
from .shots import find_shot_type, normalise_shot_type
from .sync import MAX_INDEX, SAMPLE_RATE, decode_frame_number, draw_band, picture_height, stamp, sync_pips
from .titlecard import TitleCard

_CARD_MATCH = 6.0  # mean absolute difference under which a frame "is" our title card (survives H.264)


class DraftFrames:
    """The frames of a draft clip: rendered one at a time while iterated; iterable again (re-rendered)."""

    def __init__(self, render: Callable[[], Iterator[np.ndarray]], num_frames: int, on_step: StepCallback):
        self._render = render
        self.num_frames = num_frames
        self._on_step = on_step

    def __len__(self) -> int:
        return self.num_frames

    def __iter__(self) -> Iterator[np.ndarray]:
        for i, frame in enumerate(self._render(), start=1):
            self._on_step(i, self.num_frames)
            yield frame


class DraftVideoEngine(DraftEngine):
    kind = "animatic"
    details = {
        "draws": "camera moves over conditioning images, keyframe dissolves, restyled conditioning video, "
        "or a typeset title card; a frame-code strip and a frame counter on every frame",
        "audio": f"1 kHz sync pips on every whole second, mono float32 at {SAMPLE_RATE} Hz",
    }
    # Mirrors LTX-2 so a draft is substitutable; the draft itself renders any size and length in range.
    capabilities = VideoCapabilities(
        native_max_frames=505,
        frame_step=8,
        size_multiple=32,
        min_size=64,
        max_size=2048,
        accepts_images=True,
        accepts_keyframes=True,
        accepts_video=True,
        returns_audio=True,
        exposes_latents=False,
    )

    def generate(self, request: VideoRequest, on_step: StepCallback) -> VideoResult:
        w, h, n, fps = request.width, request.height, request.num_frames, float(request.fps)
        caps = self.capabilities
        if not (caps.min_size <= w <= caps.max_size and caps.min_size <= h <= caps.max_size):
            raise ValueError(f"width and height must be between {caps.min_size} and {caps.max_size}; got {w}x{h}")
        if n < 1:
            raise ValueError(f"num_frames must be at least 1; got {n}")
        if not fps > 0:
            raise ValueError(f"fps must be positive; got {fps}")
        cont = _held(request.continuation.frames) if request.continuation else ()
        for f in cont:
            if np.shape(f) != (h, w, 3):
                raise ValueError(f"continuation frames must be {h}x{w}x3 like the request; got {np.shape(f)}")
        if len(cont) > n:
            raise ValueError(f"{len(cont)} continuation frames do not fit in a {n}-frame request")
        for v in request.videos:
            sources.probe_video(v.path)

        request = dataclasses.replace(request)  # frames render later: a caller's later edits must not leak in
        start = 0
        if cont:
            last = decode_frame_number(cont[-1])
            # A frame we did not stamp (another engine's) restarts the count at the overlap's length.
            start = last - len(cont) + 1 if last is not None and last >= len(cont) - 1 else 0
        if start + n - 1 > MAX_INDEX:
            raise ValueError(f"frame {start + n - 1} is past the frame code's range (0..{MAX_INDEX})")
        render = lambda: _render(request, cont, start)  # noqa: E731
        audio = AudioTrack(samples=sync_pips(start, n, fps), sample_rate=SAMPLE_RATE)
        return VideoResult(frames=DraftFrames(render, n, on_step), num_frames=n, width=w, height=h, fps=fps, audio=audio)


def _held(frames: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
    """The continuation frames as the engine keeps them while it renders (re-iterating re-reads them).

    A mutable sequence (a list, a deque) is copied, so a caller's later edits cannot leak in. A
    read-only one is kept as it is: a tuple costs nothing, and a sequence that reads its frames
    from disk (the chained task's spooled tail, ~30 MB at 768x512) stays on disk.
    """
    if isinstance(frames, Sequence) and not isinstance(frames, MutableSequence):
        return frames
    return list(frames)


def shot_type_of(request: VideoRequest) -> str:
    return normalise_shot_type(request.context.shot_type) or find_shot_type(request.prompt)


def _alone() -> int:
    """What `_FrameRows._free_frame` sees for a frame that only its pool holds: the pool's, the
    loop's and getrefcount's argument on CPython 3.11 (measured, not assumed, in the same shape)."""
    for frame in [np.empty(1)]:
        return sys.getrefcount(frame)
    raise AssertionError("unreachable")


_ALONE = _alone()


class _FrameRows:
    """Hands a source the picture rows of a frame, so it draws the picture in place.

    Drawing shares the cores with x264, so a frame must cost little beyond its drawing. Drawing
    into the frame saves a picture-sized allocation and copy; and a frame the consumer has let go
    of is drawn over again rather than allocated anew: a fresh 768x512 frame is a new mapping
    whose ~290 pages the kernel faults in and zeroes (0.33 ms here, a quarter of the drawing).
    "Let go" is exact: the pool's own reference is the only one left (a consumer that keeps a
    frame, or any view of it, keeps it from being reused; a list of frames gets new ones). A
    source may still return another array (a wash, a dissolve): that one is copied into a frame.
    """

    POOL = 4  # the consumer holds the last frame or two while it asks for the next

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self._pool: list[np.ndarray] = []
        self._frame: np.ndarray | None = None
        self._rows: np.ndarray | None = None

    def _free_frame(self) -> np.ndarray:
        for frame in self._pool:
            if sys.getrefcount(frame) == _ALONE:
                return frame
        frame = np.empty((self.height, self.width, 3), np.uint8)
        self._pool = [*self._pool[-(self.POOL - 1) :], frame]  # the oldest busy frame is the consumer's now
        return frame

    def rows(self) -> np.ndarray:
        self._frame = self._free_frame()
        self._rows = self._frame[: picture_height(self.height)]
        return self._rows

    def finish(self, picture: np.ndarray, index: int, fps: float) -> np.ndarray:
        frame, rows = self._frame, self._rows
        self._frame = self._rows = None
        if frame is None or picture is not rows:
            return stamp(picture, index, fps, self.height)
        draw_band(frame[picture.shape[0] :], index, fps)
        return frame


def _render(request: VideoRequest, cont: Sequence[np.ndarray], start: int) -> Iterator[np.ndarray]:
    n, fps = request.num_frames, float(request.fps)
    for frame in cont:
        yield np.array(frame, dtype=np.uint8, copy=True)
    fresh = n - len(cont)
    if fresh == 0:
        return
    frames = _FrameRows(request.width, request.height)
    for k, picture in enumerate(_pictures(request, cont, start, fresh, frames.rows)):
        yield frames.finish(picture, start + len(cont) + k, fps)


def _pictures(
    request: VideoRequest, cont: Sequence[np.ndarray], start: int, count: int, rows: Callable[[], np.ndarray]
) -> Iterator[np.ndarray]:
    """Picture rows for the `count` frames after the continuation (all frames when there is none);
    `rows()` gives the rows of the next frame for a source that can draw in place."""
    w, h, fps, seed = request.width, request.height, float(request.fps), request.seed
    size = (w, picture_height(h))
    pal = palette(seed)
    move = choose_move(shot_type_of(request), seed)
    first = start + len(cont)

    if cont:
        last = np.asarray(cont[-1], dtype=np.uint8)[: size[1]]
        if not request.images and not request.videos:
            card = _title_card(request, size)
            g = first - 1
            if abs(card.picture(g).astype(np.int16) - last.astype(np.int16)).mean() < _CARD_MATCH:
                return (card.picture(first + k, rows()) for k in range(count))
        canvas = canvas_for(Image.fromarray(last), size, move)
        return sources.still(canvas, move, sources.move_times(count, continuing=True), rows)

    if request.videos:
        v = request.videos[0]
        return sources.video(v.path, v.frame_index, v.strength, count, fps, size, move, pal)

    images = list(request.images)
    if len(images) > 1 or any(c.frame_index != 0 for c in images):
        keys: dict[int, tuple[Image.Image, float]] = {}
        for c in images:  # negative indices count from the end; a later image at the same index wins
            i = c.frame_index + count if c.frame_index < 0 else c.frame_index
            keys[min(max(i, 0), count - 1)] = (c.image, c.strength)
        ordered = [(i, img, s) for i, (img, s) in sorted(keys.items())]
        return sources.keyframes(ordered, count, size, fps, pal.ground)

    if images:
        c = images[0]
        canvas = canvas_for(c.image, size, move)
        times = sources.move_times(count, continuing=False)
        return (wash(p, c.strength, pal.ground) for p in sources.still(canvas, move, times, rows))

    card = _title_card(request, size)
    return (card.picture(first + k, rows()) for k in range(count))


def _title_card(request: VideoRequest, size: tuple[int, int]) -> TitleCard:
    # The footer holds only what every chunk of a chained shot shares, so chunks render the same card.
    footer = f"DRAFT ANIMATIC  ·  seed {request.seed}  ·  {request.width}x{request.height}  ·  {request.fps:g} fps"
    return TitleCard(request.context, request.prompt, size, palette(request.seed), float(request.fps), footer)
