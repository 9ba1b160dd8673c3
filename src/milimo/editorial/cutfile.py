"""Read an edited cut into plain data — run in a child process (`python -m milimo.editorial.cutfile`).

OpenTimelineIO is C++ underneath, and a hostile .otio can crash it outright (a Timeline whose
`tracks` is null segfaults on the first walk), which would take the whole studio down with it.
So the parent (reading.py) runs this module in a child with a memory cap and a timeout: the
child vets the bytes, lets the adapter read them, walks the timeline and prints plain JSON
(tracks → clips with their times as [value, rate]). Whatever happens in here, the parent only
ever sees JSON or a dead child.

Vetting before any adapter sees the bytes: XML through defusedxml (no entity declarations, no
external entities: no billion laughs, no XXE; a plain DOCTYPE is fine), JSON through orjson
(depth-limited) with the top-level shape checked.
"""

from __future__ import annotations

import os
import posixpath
import resource
import sys
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

FCP7_SHOT_TAG = "milimo:shot="  # what export writes into each FCP 7 clipitem's first master comment
MAX_CLIPS = 20_000  # the most shots one save takes


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


AAF_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an AAF file is a Microsoft compound file


def extract(data: bytes) -> dict[str, Any]:
    if data.startswith(AAF_SIGNATURE):
        return {"format": "aaf", "tracks": _walk(_read_aaf(data))}
    try:
        text = data.decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        raise Refused(422, "the file is not UTF-8 text; .otio, FCP 7 XML and FCPXML files are") from None
    if not text:
        raise Refused(422, "the file is empty; send an .otio, FCP 7 XML or FCPXML file exported from your editor")
    if text[0] == "{":
        return {"format": "otio", "tracks": _walk(_read_otio(text))}
    if text[0] == "<":
        fmt, tracks = _read_xml(text)
        return {"format": fmt, "tracks": tracks}
    raise Refused(415, "this is none of OpenTimelineIO (.otio), FCP 7 XML, FCPXML or AAF; export one of those from your editor")


def _read_otio(text: str):
    import opentimelineio as otio

    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Refused(422, f"the .otio file is not valid JSON ({exc})") from None
    schema = doc.get("OTIO_SCHEMA", "") if isinstance(doc, dict) else ""
    if not isinstance(schema, str) or not schema.startswith(("Timeline.", "SerializableCollection.")):
        raise Refused(422, "the .otio file holds no timeline (its top level must be an OTIO Timeline)")
    if schema.startswith("Timeline.") and not isinstance(doc.get("tracks"), dict):
        raise Refused(422, "the .otio file's timeline has no tracks")
    try:
        return _timeline(otio.adapters.read_from_string(text, "otio_json"))
    except Refused:
        raise
    except Exception as exc:
        raise Refused(422, f"OpenTimelineIO cannot read the file: {exc}") from None


def _read_aaf(data: bytes):
    """AAF (Avid, Pro Tools) through otio-aaf-adapter: pyaaf2 reads a file, so the bytes go to a private
    temporary file of this child (capped in memory and time like every reader here)."""
    import tempfile

    import opentimelineio as otio

    with tempfile.TemporaryDirectory(prefix="milimo-cut-") as folder:
        path = os.path.join(folder, "cut.aaf")
        with open(path, "wb") as f:
            f.write(data)
        try:
            return _timeline(otio.adapters.read_from_file(path, adapter_name="AAF"))
        except Refused:
            raise
        except Exception as exc:
            raise Refused(422, f"the AAF file cannot be read: {exc}") from None


def _read_xml(text: str) -> tuple[str, list[dict[str, Any]]]:
    import defusedxml.ElementTree as SafeET
    import opentimelineio as otio
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException:
        raise Refused(422, "the XML declares entities or external references, which a cut never needs; refused") from None
    except SafeET.ParseError as exc:
        raise Refused(422, f"the XML is malformed ({exc})") from None
    if root.tag == "fcpxml":
        from milimo.editorial.fcpxml_read import FcpxmlError, read_fcpxml

        try:
            return "fcpxml", read_fcpxml(root, MAX_CLIPS)
        except FcpxmlError as exc:
            raise Refused(413 if "more than" in str(exc) else 422, f"the FCPXML cannot be read: {exc}") from None
    if root.tag != "xmeml":
        raise Refused(422, f"an XML file with <{root.tag}> at the top is neither FCP 7 XML (<xmeml>) nor FCPXML")
    try:
        return "fcp7xml", _walk(_timeline(otio.adapters.read_from_string(text, "fcp_xml")))
    except Refused:
        raise
    except Exception as exc:
        raise Refused(422, f"the FCP 7 XML cannot be read: {exc}") from None


def _timeline(result):
    import opentimelineio as otio

    if isinstance(result, otio.schema.Timeline):
        return result
    found = list(result.find_children(descended_from_type=otio.schema.Timeline)) if hasattr(result, "find_children") else []
    if not found:
        raise Refused(422, "the file holds no timeline (sequence)")
    return found[0]


def _time(t) -> list[float]:
    return [float(t.value), float(t.rate)]


def _media_name(ref) -> str | None:
    url = getattr(ref, "target_url", None)
    if not url:
        return None
    return posixpath.basename(unquote(urlsplit(url).path)) or None


def _shot_id(clip) -> str | None:
    ours = clip.metadata.get("milimo")
    if hasattr(ours, "get") and isinstance(ours.get("shot_id"), str):
        return ours["shot_id"]
    fcp = clip.metadata.get("fcp_xml")
    comments = fcp.get("comments") if hasattr(fcp, "get") else None
    if comments is not None and hasattr(comments, "values"):
        for value in comments.values():
            if isinstance(value, str) and value.startswith(FCP7_SHOT_TAG):
                return value[len(FCP7_SHOT_TAG) :].strip()
    return None


def _walk(timeline) -> list[dict[str, Any]]:
    """Every track as plain data; a clip's `start` is where it sits in its track (the track's own
    source range, an EDL reader's way of starting a track late, taken off)."""
    import opentimelineio as otio

    if timeline.tracks is None:
        raise Refused(422, "the timeline has no tracks")
    tracks, clips = [], 0
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        shift = track.source_range.start_time if track.source_range is not None else None
        try:  # one pass for the whole track: range_of_child per clip is quadratic in the track's length
            ranges = track.range_of_all_children()
        except otio.exceptions.OTIOError:  # a clip without timing: the per-clip path below names it
            ranges = None
        items = []
        for item in track:
            if isinstance(item, otio.schema.Stack):
                items.append({"type": "stack", "name": item.name})
                continue
            if not isinstance(item, otio.schema.Clip):
                continue
            clips += 1
            if clips > MAX_CLIPS:
                raise Refused(413, f"the timeline has more than {MAX_CLIPS} clips")
            try:
                start = (ranges[item] if ranges is not None else track.range_of_child(item)).start_time
                source = item.trimmed_range()
            except otio.exceptions.OTIOError as exc:  # no source range and no media range: no length at all
                raise Refused(422, f"clip {item.name!r} has no usable timing: {exc}") from None
            available = getattr(item.media_reference, "available_range", None)
            items.append(
                {
                    "type": "clip",
                    "name": item.name,
                    "shot_id": _shot_id(item),
                    "media_name": _media_name(item.media_reference),
                    "start": _time(start - shift if shift is not None else start),
                    "source_start": _time(source.start_time),
                    "duration": _time(source.duration),
                    "available_start": _time(available.start_time) if available is not None else None,
                }
            )
        tracks.append(
            {"kind": "audio" if track.kind == otio.schema.TrackKind.Audio else "video", "name": track.name, "items": items}
        )
    return tracks


def _cap_memory() -> None:
    # Set by the child on itself (a preexec_fn in the threaded server is not safe).
    limit = int(os.environ.get("MILIMO_CUT_READER_MEMORY", "0"))
    if limit and hasattr(resource, "RLIMIT_AS"):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> int:
    _cap_memory()
    data = sys.stdin.buffer.read()
    try:
        out: dict[str, Any] = {"ok": extract(data)}
    except Refused as exc:
        out = {"refused": {"status": exc.status, "message": exc.message}}
    sys.stdout.buffer.write(orjson.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
