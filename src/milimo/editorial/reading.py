"""Reading a cut that comes back from an editor, as untrusted input, without risking the studio.

OpenTimelineIO JSON (.otio), FCP 7 XML (xmeml, what Premiere and Resolve export), FCPXML
(Final Cut Pro, Resolve; read by `fcpxml_read.py`) and AAF (Avid, Pro Tools) are accepted. The bytes are capped here, then read by `cutfile.py` in a child process with a memory
cap and a timeout (OpenTimelineIO's C++ core can be crashed by a hostile file; a crash there
must end a child, not the server). What comes back is plain data; anything else is a 4xx.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import orjson

from milimo.editorial.errors import BadCutFile
from milimo.errors import StudioError, TooLarge, Unsupported

MAX_CUT_BYTES = 16 * 1024 * 1024  # an edit decision list of 20,000 clips is a few MB
READ_TIMEOUT_S = 60
READ_MEMORY_BYTES = 2 * 1024**3  # the child's address-space cap (it sets it on itself): a 16 MB file never needs more


@dataclass(frozen=True)
class EditedClip:
    name: str
    shot_id: str | None  # the studio's id, from the `milimo` metadata or the FCP 7 master comment
    media_name: str | None  # the media file's name
    start: tuple[float, float]  # in its track: (value, rate)
    source_start: tuple[float, float]
    duration: tuple[float, float]
    available_start: tuple[float, float] | None  # where the media's own range starts (timecode), if known


@dataclass(frozen=True)
class EditedTrack:
    kind: str  # "video" | "audio"
    name: str
    clips: tuple[EditedClip, ...]
    nested: tuple[str, ...]  # names of nested sequences (not imported)


@dataclass(frozen=True)
class EditedCut:
    format: str  # "otio" | "fcp7xml" | "fcpxml" | "aaf"
    tracks: tuple[EditedTrack, ...]

    def of(self, kind: str) -> list[EditedTrack]:
        return [t for t in self.tracks if t.kind == kind]


def read_cut(data: bytes) -> EditedCut:
    if len(data) > MAX_CUT_BYTES:
        raise TooLarge(f"the cut file is {len(data)} bytes; the limit is {MAX_CUT_BYTES} bytes")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "milimo.editorial.cutfile"],
            input=data,
            capture_output=True,
            timeout=READ_TIMEOUT_S,
            check=False,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MILIMO_CUT_READER_MEMORY": str(READ_MEMORY_BYTES)},
        )
    except subprocess.TimeoutExpired:
        raise BadCutFile(f"reading the file took longer than {READ_TIMEOUT_S} s; it is not a cut this studio can read") from None
    if run.returncode != 0:
        raise BadCutFile("OpenTimelineIO failed on this file (its reader crashed or ran out of memory); the file is malformed")
    try:
        answer = orjson.loads(run.stdout)
    except orjson.JSONDecodeError:
        raise BadCutFile("the file could not be read") from None
    if "refused" in answer:
        refused = answer["refused"]
        kind: type[StudioError] = {413: TooLarge, 415: Unsupported}.get(refused["status"], BadCutFile)
        raise kind(refused["message"])
    return _cut(answer["ok"])


def _pair(value: Any) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)):
        raise BadCutFile("a clip's time is not a number (NaN or infinity in the file)")
    return float(value[0]), float(value[1])


def _cut(doc: dict[str, Any]) -> EditedCut:
    tracks = []
    for t in doc["tracks"]:
        clips = tuple(
            EditedClip(
                name=c["name"],
                shot_id=c["shot_id"],
                media_name=c["media_name"],
                start=_pair(c["start"]),
                source_start=_pair(c["source_start"]),
                duration=_pair(c["duration"]),
                available_start=_pair(c["available_start"]) if c["available_start"] is not None else None,
            )
            for c in t["items"]
            if c["type"] == "clip"
        )
        nested = tuple(c["name"] for c in t["items"] if c["type"] == "stack")
        tracks.append(EditedTrack(kind=t["kind"], name=t["name"], clips=clips, nested=nested))
    return EditedCut(format=doc["format"], tracks=tuple(tracks))
