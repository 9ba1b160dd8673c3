"""Reading a cut that comes back from an editor, as untrusted input.

Only OpenTimelineIO JSON (.otio) and FCP 7 XML (xmeml, what Premiere and Resolve export) are
accepted. Before an adapter sees the bytes they are capped in size and vetted: XML through
defusedxml (no entity declarations, no external entities: no billion laughs, no XXE), JSON
through orjson (depth-limited, so a deeply nested file cannot exhaust the C++ reader's stack).
Anything an adapter then fails on is the file's fault, so it becomes a 422 that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
import orjson
from defusedxml import DefusedXmlException

from milimo.editorial.errors import BadCutFile
from milimo.errors import TooLarge, Unsupported

MAX_CUT_BYTES = 16 * 1024 * 1024  # an edit decision list of 20,000 clips is a few MB
MAX_CLIPS = 20_000  # the most shots one save takes


@dataclass(frozen=True)
class EditedCut:
    timeline: otio.schema.Timeline
    format: str  # "otio" | "fcp7xml"


def read_cut(data: bytes) -> EditedCut:
    if len(data) > MAX_CUT_BYTES:
        raise TooLarge(f"the cut file is {len(data)} bytes; the limit is {MAX_CUT_BYTES} bytes")
    text = _decode(data).lstrip("\ufeff \t\r\n")
    if not text:
        raise BadCutFile("the file is empty; send an .otio or FCP 7 XML file exported from your editor")
    if text[0] == "{":
        return EditedCut(_read_otio(text), "otio")
    if text[0] == "<":
        return EditedCut(_read_xml(text), "fcp7xml")
    raise Unsupported("this is neither OpenTimelineIO (.otio) nor FCP 7 XML; export one of those from your editor")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadCutFile("the file is not UTF-8 text; .otio and FCP 7 XML files are") from None


def _read_otio(text: str) -> otio.schema.Timeline:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadCutFile(f"the .otio file is not valid JSON ({exc})") from None
    schema = doc.get("OTIO_SCHEMA", "") if isinstance(doc, dict) else ""
    if not isinstance(schema, str) or not schema.startswith(("Timeline.", "SerializableCollection.")):
        raise BadCutFile("the .otio file holds no timeline (its top level must be an OTIO Timeline)")
    try:
        result = otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:  # noqa: BLE001 -- the adapter's errors are many (OTIOError, ValueError, TypeError): all the file's fault
        raise BadCutFile(f"OpenTimelineIO cannot read the file: {exc}") from None
    return _timeline(result)


def _read_xml(text: str) -> otio.schema.Timeline:
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException:
        raise BadCutFile("the XML declares entities or external references, which a cut never needs; refused") from None
    except SafeET.ParseError as exc:
        raise BadCutFile(f"the XML is malformed ({exc})") from None
    if root.tag == "fcpxml":
        raise Unsupported("FCPXML import is not supported; export FCP 7 XML (Premiere: File > Export > Final Cut Pro XML) or .otio")
    if root.tag != "xmeml":
        raise BadCutFile(f"an XML file with <{root.tag}> at the top is not FCP 7 XML (<xmeml>)")
    try:
        result = otio.adapters.read_from_string(text, "fcp_xml")
    except Exception as exc:  # noqa: BLE001 -- vetted above; what remains is an xmeml the adapter cannot make sense of
        raise BadCutFile(f"the FCP 7 XML cannot be read: {exc}") from None
    return _timeline(result)


def _timeline(result) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        timeline = result
    else:
        found = list(result.find_children(descended_from_type=otio.schema.Timeline)) if hasattr(result, "find_children") else []
        if not found:
            raise BadCutFile("the file holds no timeline (sequence)")
        timeline = found[0]
    if len(list(timeline.find_clips())) > MAX_CLIPS:
        raise TooLarge(f"the timeline has more than {MAX_CLIPS} clips")
    return timeline
