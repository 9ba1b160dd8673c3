"""FCPXML 1.11 for Final Cut Pro (and DaVinci Resolve, which rejects anything newer).

The maintained adapter (otio-fcpx-xml-adapter 1.0.0) writes FCPXML 1.8: media paths as an
`src` attribute of <asset>, format names guessed by running ffprobe, and no frame duration
for rates outside its small table. We let it lay out the spine and then bring the document to
1.11 as the 1.11 DTD wants it: <media-rep kind="original-media" src=…> inside each asset,
formats that name their size and exact frame duration, and the studio's metadata on every
clip, so the version we write is pinned and the file is the same on every machine.
"""

from __future__ import annotations

from fractions import Fraction
from xml.etree import ElementTree as ET

import opentimelineio as otio
from otio_fcpx_xml_adapter.fcpx_xml import FcpxOtio, to_rational_time

from milimo.editorial.timeline import NAMESPACE

VERSION = "1.11"


def frame_duration(fps: float) -> str:
    """One frame as FCPXML's rational seconds: 24 → "1/24s", 23.976 → "1001/24000s"."""
    for ntsc in (24, 30, 60, 48, 120):
        if abs(fps - ntsc * 1000 / 1001) < 0.01:
            return f"1001/{ntsc * 1000}s"
    f = Fraction(1) / Fraction(fps).limit_denominator(1001)
    return f"{f.numerator}/{f.denominator}s"


def _md(parent: ET.Element, meta: dict) -> None:
    box = parent.find("metadata")
    if box is None:
        box = ET.SubElement(parent, "metadata")
    for key in ("shot_id", "prompt", "seed", "engine", "media_url"):
        ET.SubElement(box, "md", {"key": f"com.milimo.{key}", "value": str(meta.get(key, ""))})


class _Writer(FcpxOtio):
    """The adapter's writer (pinned at 1.0.0), with two of its lookups made cheap.

    Placing each connected clip (V2, A1) scans the whole spine and looks each element's rate up by
    XPath, and every clip's format name is guessed by starting ffprobe: 1,000 clips took 12-30 s.
    Here the primary storyline is listed once (V1 is written before any connected clip), rates are
    remembered per element (elements live as long as the document, so their ids are stable keys),
    assets and browser clips are found in dicts instead of by XPath, and the format name is ours
    (write_fcpxml sets it from the project anyway).
    """

    def __init__(self, timeline: otio.schema.Timeline) -> None:
        super().__init__(timeline)
        self._rates: dict[tuple[int, str | None], int] = {}
        self._primary: list[tuple[otio.opentime.RationalTime, otio.opentime.RationalTime, ET.Element]] | None = None
        self._assets: dict[str, ET.Element] = {}  # by media URL (the adapter's XPath breaks on a quote in a path)
        self._browser: dict[str, ET.Element] = {}  # browser clips by name

    def _asset_by_path(self, path):
        return self._assets.get(path)

    def _create_asset_element(self, clip, format_element):
        asset = super()._create_asset_element(clip, format_element)
        self._assets[asset.get("src")] = asset
        return asset

    def _asset_clip_by_name(self, name):
        return self._browser.get(name)

    def _create_asset_clip_element(self, clip, format_element, resource_id):
        super()._create_asset_clip_element(clip, format_element, resource_id)
        self._browser[clip.name] = self.event_resource[-1]

    def _frame_rate_from_element(self, element, default_format_id):
        key = (id(element), default_format_id)
        if key not in self._rates:
            self._rates[key] = super()._frame_rate_from_element(element, default_format_id)
        return self._rates[key]

    def _clip_format_name(self, clip):
        return ""

    def _find_parent_element(self, spine, trimmed_range, format_id):
        if self._primary is None:
            self._primary = []
            for item in spine:  # the same candidates as the adapter's scan: primary items, no lane
                if item.tag not in ("clip", "asset-clip", "gap", "ref-clip") or item.get("lane") is not None:
                    continue
                if item.tag == "gap" and item.find("./audio") is not None:
                    continue
                rate = self._frame_rate_from_element(item, format_id)
                offset = to_rational_time(item.get("offset"), rate)
                self._primary.append((offset, offset + to_rational_time(item.get("duration"), rate), item))
        for offset, end, item in self._primary:
            if offset <= trimmed_range < end:
                return item
        return None


def write_fcpxml(timeline: otio.schema.Timeline, fps: float, width: int, height: int) -> str:
    xml = _Writer(timeline).to_xml()
    root = ET.fromstring(xml.encode())  # our own output, not user input
    root.set("version", VERSION)
    resources = root.find("resources")
    if resources is None:  # the adapter always writes one; say so loudly if a new version does not
        raise RuntimeError("otio-fcpx-xml-adapter wrote no <resources>")
    name = f"FFVideoFormat{width}x{height}p{round(fps * 100) / 100:g}"
    for fmt in resources.findall("format"):
        fmt.attrib.update({"frameDuration": frame_duration(fps), "width": str(width), "height": str(height), "name": name})
    for project in root.iter("project"):
        if not project.get("uid"):
            project.attrib.pop("uid", None)  # an empty uid is not a uid
    sound = {
        getattr(c.media_reference, "target_url", None)
        for c in timeline.find_clips()
        if c.media_reference.metadata.get(NAMESPACE, {}).get("has_audio")
    }
    for asset in resources.findall("asset"):
        src = asset.attrib.pop("src", "")
        if src in sound:
            asset.set("hasAudio", "1")  # the adapter only marks assets on audio tracks; a take's own sound counts
        ET.SubElement(asset, "media-rep", {"kind": "original-media", "src": src})
    # Clip names are unique within a cut (source.py), so the name finds each clip's metadata.
    metas = {c.name: c.metadata.get(NAMESPACE, {}) for c in timeline.find_clips()}
    for element in root.iter("clip"):
        if element.get("name") in metas:
            _md(element, metas[element.get("name")])
    for browser_clip in root.findall("asset-clip"):
        # The adapter also lists one browser clip per name; drop its empty metadata so FCP reads it.
        box = browser_clip.find("metadata")
        if box is not None and not list(box):
            browser_clip.remove(box)
    ET.indent(root, space="    ")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{ET.tostring(root, encoding="unicode")}\n'
