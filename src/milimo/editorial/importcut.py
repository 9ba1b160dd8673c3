"""Import-cut: an editor's version of the timeline comes back and the studio re-times its shots to match.

Flow: read the file as untrusted input, in a child process (reading.py, cutfile.py) → match each clip to a shot (the `milimo`
metadata id, the FCP 7 master comment we wrote, then the media file's name, then the clip's
name) → work out every shot's track, position and trims in project frames → ONE save through
studio.projects.save_project with the caller's base_version (409 rules as everywhere) → a report
per shot, by its readable name.

Rules that follow from the studio's timeline (docs/web.md):
- The first video track maps to V1, the others to V2; every audio track to A1. A shot is placed once: the
  first track it appears on wins (the audio an editor keeps linked under a video clip is that
  clip's own sound, not a second placement).
- V1 is magnetic: its clips are packed in the editor's order; a gap there is closed, and said.
- A clip the editor extended past its media keeps the editor's length (the shot's num_frames
  grows) and is flagged with the frames it needs, so the user can extend the shot (chained
  generation). One that starts before its media's first frame is placed from frame 0 and flagged.
- A shot of the cut that the file no longer has is deleted, unless it has no media yet (an
  editor's tool may drop offline clips; the studio keeps a shot that was never generated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from milimo.config import Settings
from milimo.db.database import Database
from milimo.editorial.errors import BadCutFile
from milimo.editorial.model import TRACKS, EditClip, EditCut
from milimo.editorial.reading import EditedClip, EditedCut, read_cut
from milimo.editorial.schemas import (
    FramesNeeded,
    ImportReport,
    Placement,
    ShotCutChange,
    ShotRef,
)
from milimo.editorial.source import load_edit_cut
from milimo.errors import Invalid
from milimo.studio.projects import save_project
from milimo.studio.schemas import ProjectSave, ShotUpsert
from milimo.studio.versions import check_base_version, require_project

MAX_SHOT_FRAMES = 14_400  # ShotFields.num_frames' bound


@dataclass
class _Placed:
    clip: EditClip  # the shot as it is now
    track: str
    start_frame: int
    trim_in: int
    length: int
    tail_needed: int = 0
    head_needed: int = 0


def import_cut(db: Database, settings: Settings, project_id: str, data: bytes, base_version: int) -> ImportReport:
    edited = read_cut(data)
    with db.read() as session:
        check_base_version(session, require_project(session, project_id), base_version)
    cut = load_edit_cut(db, settings, project_id)
    placed, unmatched, notes = _match(edited, cut)
    if cut.clips and not placed:
        raise BadCutFile(
            "none of the clips in this file are shots of this project (no milimo shot id, no media or "
            "clip name of ours); nothing was changed. Export the cut from this project and edit that"
        )
    notes += _pack_v1(placed)
    report = _report(cut, placed, unmatched, notes, edited.format)
    upserts = [_upsert(p) for p in placed.values() if _placement(p) != _current(p.clip)]
    deleted = [r.shot_id for r in report.deleted]
    if not upserts and not deleted:
        report.project_version = base_version
        return report
    try:
        save = ProjectSave(base_version=base_version, shots=upserts, deleted_shot_ids=deleted)
    except ValidationError as exc:
        raise Invalid(f"the edited cut cannot be saved: {exc.errors()[0]['msg']}") from None
    state = save_project(db, project_id, save)
    report.saved, report.project_version = True, state["version"]
    return report


# ----------------------------------------------------------------------------- matching


def _frames(t: tuple[float, float], fps: float, what: str) -> int:
    value, rate = t
    frames = value * fps / rate if rate > 0 else math.nan
    if not math.isfinite(frames) or abs(frames) > 100_000_000:
        raise BadCutFile(f"{what} is not a usable time ({value} at rate {rate})")
    return round(frames)


def _match(edited: EditedCut, cut: EditCut) -> tuple[dict[str, _Placed], list[str], list[str]]:
    by_id = {c.shot_id: c for c in cut.clips}
    by_media: dict[str, list[EditClip]] = {}
    by_name = {c.name: c for c in cut.clips}
    for c in cut.clips:  # timeline order, so shots sharing a take (splits) are taken in order
        if c.media_path is not None:
            by_media.setdefault(c.media_path.name, []).append(c)
    placed: dict[str, _Placed] = {}
    unmatched: list[str] = []
    notes: list[str] = []
    video, audio = edited.of("video"), edited.of("audio")
    # The studio has one overlay and one audio track: higher video tracks go to V2, every audio track to A1.
    lanes = [(t, "V1" if i == 0 else "V2") for i, t in enumerate(video)] + [(t, "A1") for t in audio]
    if len(video) > 2:
        notes.append(f"the file has {len(video)} video tracks; clips above the second were placed on V2")
    for track, lane in lanes:
        notes += [
            f"nested sequence {name!r} was ignored; flatten it in the editor to bring its clips back" for name in track.nested
        ]
        for item in track.clips:
            shot = _find(item, by_id, by_media, by_name, placed)
            if shot is None:
                unmatched.append(item.name or "(unnamed clip)")
                continue
            if shot.shot_id in placed:
                continue  # its linked sound, or a copy on a lower track: placed where it first appeared
            placed[shot.shot_id] = _place(item, lane, shot, cut.fps)
    return placed, unmatched, notes


def _find(item: EditedClip, by_id, by_media, by_name, placed) -> EditClip | None:
    if item.shot_id is not None and item.shot_id in by_id:
        return by_id[item.shot_id]
    if item.media_name in by_media:
        candidates = by_media[item.media_name]
        free = [c for c in candidates if c.shot_id not in placed]
        return free[0] if free else candidates[0]
    return by_name.get(item.name)


def _place(item: EditedClip, lane: str, shot: EditClip, fps: float) -> _Placed:
    where = f"clip {item.name!r}"
    start = _frames(item.start, fps, f"{where}'s position")
    origin = _frames(item.available_start, fps, f"{where}'s media start") if item.available_start is not None else 0
    first = _frames(item.source_start, fps, f"{where}'s source in") - origin
    length = _frames(item.duration, fps, f"{where}'s duration")
    if length < 1:
        raise BadCutFile(f"{where} is {length} frames long; a clip shows at least one frame")
    p = _Placed(shot, lane, max(0, start), max(0, first), length)
    p.head_needed = max(0, -first)
    if shot.media_frames is not None:
        p.tail_needed = max(0, p.trim_in + length - shot.media_frames)
    if p.trim_in + length > MAX_SHOT_FRAMES:
        raise BadCutFile(
            f"{where} would make {shot.name} {p.trim_in + length} frames long; a shot holds at most {MAX_SHOT_FRAMES}"
        )
    return p


def _pack_v1(placed: dict[str, _Placed]) -> list[str]:
    notes = []
    cursor = 0
    for p in sorted((p for p in placed.values() if p.track == "V1"), key=lambda p: (p.start_frame, p.clip.start_frame)):
        if p.start_frame > cursor:
            notes.append(f"V1 is magnetic: the {p.start_frame - cursor}-frame gap before {p.clip.name} was closed")
        p.start_frame = cursor
        cursor += p.length
    return notes


# ----------------------------------------------------------------------------- saving and reporting


def _num_frames(p: _Placed) -> int:
    # Trims stay relative to the shot's own length; a clip that now shows past it makes the shot longer.
    return max(p.clip.num_frames, p.trim_in + p.length)


def _placement(p: _Placed) -> tuple:
    n = _num_frames(p)
    return (p.track, p.start_frame, p.trim_in, n - p.trim_in - p.length, p.length)


def _current(c: EditClip) -> tuple:
    return (c.track, c.start_frame, c.trim_in, c.trim_out, c.length)


def _upsert(p: _Placed) -> ShotUpsert:
    n = _num_frames(p)
    fields: dict[str, Any] = {
        "id": p.clip.shot_id,
        "track_index": TRACKS.index(p.track),
        "start_frame": p.start_frame,
        "trim_in": p.trim_in,
        "trim_out": n - p.trim_in - p.length,
    }
    if n != p.clip.num_frames:
        fields["num_frames"] = n
    return ShotUpsert(**fields)


def _describe(before: tuple, after: tuple) -> list[str]:
    (t0, s0, i0, o0, l0), (t1, s1, i1, o1, l1) = before, after
    out = []
    if (t0, s0) != (t1, s1):
        out.append(f"moved {t0} @ {s0} → {t1} @ {s1}" if t0 != t1 else f"moved on {t0}: {s0} → {s1}")
    if i0 != i1:
        out.append(f"in point {i0} → {i1}")
    if o0 != o1:
        out.append(f"out trim {o0} → {o1}")
    if l0 != l1:
        out.append(f"length {l0} → {l1} frames")
    return out


def _report(cut: EditCut, placed: dict[str, _Placed], unmatched: list[str], notes: list[str], fmt: str) -> ImportReport:
    changed, needs, unchanged = [], [], 0
    for p in placed.values():
        before, after = _current(p.clip), _placement(p)
        changes = _describe(before, after)
        if p.tail_needed:
            changes.append(f"extended {p.tail_needed} frames past the end of its media")
        if p.head_needed:
            changes.append(f"starts {p.head_needed} frames before its media; placed from the media's first frame")
        if p.tail_needed or p.head_needed:
            needs.append(FramesNeeded(shot_id=p.clip.shot_id, name=p.clip.name, frames=p.tail_needed, head_frames=p.head_needed))
        if not changes:
            unchanged += 1
            continue
        changed.append(
            ShotCutChange(
                shot_id=p.clip.shot_id,
                name=p.clip.name,
                changes=changes,
                before=Placement(track=before[0], start_frame=before[1], trim_in=before[2], trim_out=before[3], length=before[4]),
                after=Placement(track=after[0], start_frame=after[1], trim_in=after[2], trim_out=after[3], length=after[4]),
                frames_needed=p.tail_needed,
                head_frames_needed=p.head_needed,
            )
        )
    deleted = []
    for c in cut.clips:
        if c.shot_id in placed:
            continue
        if c.media_path is None:
            notes.append(f"{c.name} is not in the file but has no media yet; it was kept")
            continue
        deleted.append(ShotRef(shot_id=c.shot_id, name=c.name))
    changed.sort(key=lambda c: (TRACKS.index(c.after.track), c.after.start_frame))
    return ImportReport(
        format=fmt,
        saved=False,
        project_version=0,
        changed=changed,
        deleted=deleted,
        unchanged=unchanged,
        needs_frames=needs,
        unmatched=unmatched,
        notes=notes,
    )
