"""Reading FCPXML (Final Cut Pro, DaVinci Resolve) into the plain tracks `cutfile.py` prints.

OpenTimelineIO's FCPXML adapter reads the spine but drops every clip's metadata and media
path, and the round trip matches clips to shots by exactly those (`com.milimo.shot_id`, then
the media file's name). So the document, already vetted by defusedxml, is walked here.

FCPXML times are rational seconds ("1001/24000s"). A story element of the spine sits at its
`offset` in the sequence; a connected clip (`lane`) sits in its parent's local time, which
begins at the parent's `start`, so its place in the cut is parent offset + (offset - parent
start). Lane 0 is V1, lanes above are V2, V3…, lanes below are A1, A2… A secondary storyline
(a `spine` with a lane) lays its clips one after another from its own offset. Compound,
multicam and synchronised clips are nested sequences: named in the report, not imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

CLIPS = frozenset({"asset-clip", "clip", "video", "audio", "title"})
NESTED = frozenset({"ref-clip", "sync-clip", "mc-clip"})
STORY = CLIPS | NESTED | {"gap"}


class FcpxmlError(ValueError):
    """The document is FCPXML but not one a cut can be read from (said in words for the 422)."""


def seconds(value: str | None) -> Fraction:
    """'1001/24000s' → Fraction(1001, 24000); '5s' → 5; absent → 0."""
    if not value:
        return Fraction(0)
    text = value.strip()
    if not text.endswith("s"):
        raise FcpxmlError(f"the time {value!r} is not FCPXML rational seconds (like '1001/24000s')")
    try:
        return Fraction(text[:-1])
    except (ValueError, ZeroDivisionError):
        raise FcpxmlError(f"the time {value!r} is not a number of seconds") from None


def read_fcpxml(root: Element, max_clips: int) -> list[dict[str, Any]]:
    """The first sequence's tracks as cutfile's plain data: [{kind, name, items: [clip | stack]}]."""
    # The project's sequence: a compound clip in <resources> holds a <sequence> of its own.
    sequence = root.find(".//project/sequence")
    if sequence is None:
        sequence = root.find(".//sequence")
    if sequence is None:
        raise FcpxmlError("the FCPXML holds no <sequence> (export a project or timeline, not only events)")
    spine = sequence.find("spine")
    if spine is None:
        raise FcpxmlError("the sequence has no <spine>")
    resources = {el.get("id"): el for el in root.iter() if el.get("id") and el.tag in ("asset", "format", "media")}
    fmt = resources.get(sequence.get("format") or "")
    frame = seconds(fmt.get("frameDuration")) if fmt is not None and fmt.get("frameDuration") else Fraction(1, 24)
    if frame <= 0:
        raise FcpxmlError("the sequence's frame duration is not positive")
    reader = _Reader(resources, 1 / frame, max_clips)
    origin = seconds(sequence.get("tcStart"))
    for element in spine:
        if element.tag in STORY:
            reader.story(element, seconds(element.get("offset")) - origin, lane=0)
    return reader.tracks()


class _Reader:
    def __init__(self, resources: dict[str | None, Element], fps: Fraction, max_clips: int) -> None:
        self.resources, self.fps, self.max_clips = resources, fps, max_clips
        self.lanes: dict[int, list[dict[str, Any]]] = {}
        self.count = 0

    def story(self, el: Element, at: Fraction, lane: int) -> None:
        """One element placed at `at` (seconds into the cut) on `lane`, then what is connected to it."""
        if el.tag in NESTED:
            self.lanes.setdefault(lane, []).append({"type": "stack", "name": el.get("name") or el.tag})
        elif el.tag in CLIPS:
            self._clip(el, at, lane)
        local = seconds(el.get("start"))
        for child in el:
            if child.get("lane") is None:
                continue
            child_lane = int(child.get("lane") or 0)
            child_at = at + seconds(child.get("offset")) - local
            if child.tag == "spine":
                self._storyline(child, child_at, child_lane)
            elif child.tag in STORY:
                self.story(child, child_at, child_lane)

    def _storyline(self, spine: Element, at: Fraction, lane: int) -> None:
        items = [c for c in spine if c.tag in STORY]
        first = seconds(items[0].get("offset")) if items else Fraction(0)
        for item in items:
            self.story(item, at + seconds(item.get("offset")) - first, lane)

    def _clip(self, el: Element, at: Fraction, lane: int) -> None:
        self.count += 1
        if self.count > self.max_clips:
            raise FcpxmlError(f"the timeline has more than {self.max_clips} clips")
        duration = seconds(el.get("duration"))
        if duration <= 0:
            raise FcpxmlError(f"clip {el.get('name')!r} has no duration")
        media, media_start = self._media(el)
        asset = self.resources.get(media.get("ref")) if media is not None else None
        self.lanes.setdefault(lane, []).append(
            {
                "type": "clip",
                "name": el.get("name") or "",
                "shot_id": _metadata(el).get("com.milimo.shot_id") or None,
                "media_name": _media_name(asset),
                "start": self._time(at),
                "source_start": self._time(media_start),
                "duration": self._time(duration),
                "available_start": self._time(seconds(asset.get("start"))) if asset is not None else None,
            }
        )

    def _media(self, el: Element) -> tuple[Element | None, Fraction]:
        """The element holding the media reference, and the media time at the clip's first frame."""
        if el.get("ref"):  # asset-clip, or a bare video/audio: its start is a time in the media
            return el, seconds(el.get("start"))
        # A `clip` wraps its media: a video/audio (possibly inside a gap) in the clip's local time.
        for inner in _own_media(el):
            return inner, seconds(el.get("start")) - seconds(inner.get("offset")) + seconds(inner.get("start"))
        return None, seconds(el.get("start"))

    def _time(self, value: Fraction) -> list[float]:
        return [float(value * self.fps), float(self.fps)]

    def tracks(self) -> list[dict[str, Any]]:
        video = sorted(n for n in self.lanes if n >= 0)
        audio = sorted((n for n in self.lanes if n < 0), reverse=True)
        out = [{"kind": "video", "name": f"V{n + 1}", "items": self.lanes[n]} for n in video]
        return out + [{"kind": "audio", "name": f"A{-n}", "items": self.lanes[n]} for n in audio]


def _own_media(el: Element) -> Iterator[Element]:
    for child in el:
        if child.get("lane") is not None:
            continue  # connected to it, not its own
        if child.tag in ("video", "audio") and child.get("ref"):
            yield child
        elif child.tag == "gap":
            yield from _own_media(child)


def _metadata(el: Element) -> dict[str, str]:
    box = el.find("metadata")
    return {md.get("key", ""): md.get("value", "") for md in box.findall("md")} if box is not None else {}


def _media_name(asset: Element | None) -> str | None:
    if asset is None:
        return None
    rep = asset.find("media-rep")
    src = rep.get("src") if rep is not None else asset.get("src")
    if not src:
        return None
    return unquote(urlsplit(src).path).rsplit("/", 1)[-1] or None
