"""The picture of the cut, frame by frame: V1 in order, V2 over it where it has clips, gaps black.

This is the web player's stage: a V2 clip shows on top of V1 (its letterbox shows V1 beneath),
a V1 clip on black, and where neither track has a picture the frame is black. Overlapping V2
clips: the one that starts last wins, as `clipAt` in web/src/lib/layout.ts.

Frames come out one at a time as yuv420p av.VideoFrames. Only the clips under the playhead
have a decoder open, so memory does not grow with the film's length.
"""

from __future__ import annotations

from collections.abc import Iterator

import av

from milimo.render.conform import ClipPictures, Layer, black, paste
from milimo.render.cut import Cut, CutClip

YUV = "yuv420p"


class _Lane:
    """The clips of one video track in start order, with readers for those under the playhead."""

    def __init__(self, clips: tuple[CutClip, ...], cut: Cut):
        self.clips = [c for c in clips if c.media is not None and c.media.kind in ("video", "image")]
        self.cut = cut
        self.next = 0  # first clip not yet started
        self.live: list[tuple[CutClip, ClipPictures]] = []

    def layer(self, frame: int) -> Layer | None:
        """The picture this track shows at timeline `frame` (the latest-starting clip wins)."""
        while self.next < len(self.clips) and self.clips[self.next].start_frame <= frame:
            clip = self.clips[self.next]
            self.live.append((clip, ClipPictures(clip, self.cut.fps, self.cut.width, self.cut.height)))
            self.next += 1
        for clip, reader in list(self.live):
            if clip.end_frame <= frame:
                reader.close()
                self.live.remove((clip, reader))
        for clip, reader in reversed(self.live):
            layer = reader.layer(frame - clip.start_frame)
            if layer is not None:
                return layer
        return None

    def close(self) -> None:
        for _, reader in self.live:
            reader.close()
        self.live.clear()


def compose(cut: Cut, in_frame: int, out_frame: int) -> Iterator[av.VideoFrame]:
    """Yield the frames [in_frame, out_frame) of the cut at its size, as yuv420p."""
    w, h = cut.width, cut.height
    v1, v2 = _Lane(cut.track("V1").clips, cut), _Lane(cut.track("V2").clips, cut)
    empty = black(w, h)
    try:
        for f in range(in_frame, out_frame):
            top, base = v2.layer(f), v1.layer(f)
            if top is not None and top.fit.covers(w, h):
                base = None  # hidden: V2 fills the frame
            if top is None and base is not None and base.fresh and base.fit.covers(w, h):
                yield base.frame  # straight from the decoder: no copy, no conversion
                continue
            if base is None and top is not None and top.fresh and top.fit.covers(w, h):
                yield top.frame
                continue
            canvas = empty.copy()
            for layer in (base, top):
                if layer is not None:
                    paste(canvas, layer, w, h)
            yield av.VideoFrame.from_ndarray(canvas, format=YUV)
    finally:
        v1.close()
        v2.close()
