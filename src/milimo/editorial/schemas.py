"""Response models of the editorial routes (import-cut's report)."""

from __future__ import annotations

from pydantic import BaseModel


class Placement(BaseModel):
    track: str  # V1 | V2 | A1
    start_frame: int
    trim_in: int
    trim_out: int
    length: int  # frames shown


class ShotCutChange(BaseModel):
    shot_id: str
    name: str
    before: Placement
    after: Placement
    changes: list[str]  # readable: "moved V1 @ 48 → V2 @ 120", "trimmed: in 0 → 6"
    frames_needed: int = 0  # the editor extended it past the end of its media by this many frames
    head_frames_needed: int = 0  # ... or before its first frame (placed from frame 0 of the media)


class ShotRef(BaseModel):
    shot_id: str
    name: str


class FramesNeeded(BaseModel):
    shot_id: str
    name: str
    frames: int  # after the end of the take
    head_frames: int  # before its first frame


class ImportReport(BaseModel):
    format: str  # otio | fcp7xml | fcpxml | aaf
    saved: bool  # false when the file changes nothing
    project_version: int
    changed: list[ShotCutChange]
    deleted: list[ShotRef]
    unchanged: int
    needs_frames: list[FramesNeeded]
    unmatched: list[str]  # clips in the file that are not shots of this project (ignored)
    notes: list[str]
