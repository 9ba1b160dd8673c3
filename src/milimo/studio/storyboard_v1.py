"""Storyboard shots on V1: new shots land in story order, reorders carry over, V1 stays packed.

V1 is magnetic (web/src/lib/layout.ts): clips butt together from frame 0 in the order of
(start_frame, index, id), each as long as its frames after trims. These functions compute that
order on the server and rewrite start_frame so the stored values are already packed.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from milimo.db.models import Shot, table_of


def v1_rows(session: Session, project_id: str) -> list:
    t = table_of(Shot).c
    rows = session.execute(
        select(t.id, t.start_frame, t.index, t.num_frames, t.trim_in, t.trim_out, t.scene_id).where(
            t.project_id == project_id, t.track_index == 0
        )
    ).all()
    return sorted(rows, key=lambda r: (r.start_frame, r.index, r.id))  # the client's byTimelineOrder


def place_new(existing_v1: list[str], story: list[str], new: set[str]) -> list[str]:
    """V1 order with the `new` ids of `story` (the storyboard in story order) inserted in story order.

    A new shot goes right after the nearest earlier story shot already on V1; shots with no
    earlier one go just before the first story shot on V1; with no story shot on V1 at all,
    they go after everything. Existing clips keep their order.
    """
    on_v1 = set(existing_v1)
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None  # None: before the first story shot on V1
    for sid in story:
        if sid in new:
            after.setdefault(anchor, []).append(sid)
        elif sid in on_v1:
            anchor = sid
    head = after.pop(None, [])
    story_on_v1 = [sid for sid in story if sid in on_v1 and sid not in new]
    first = story_on_v1[0] if story_on_v1 else None
    out: list[str] = []
    for sid in existing_v1:
        if sid == first:
            out.extend(head)
            head = []
        out.append(sid)
        out.extend(after.pop(sid, []))
    out.extend(head)
    return out


def carry_story_order(existing_v1: list[str], story: list[str]) -> list[str]:
    """V1 order after a storyboard reorder: the V1 slots held by story shots are refilled in story order."""
    on_v1 = set(existing_v1)
    queue = iter([sid for sid in story if sid in on_v1])
    members = set(story)
    return [next(queue) if sid in members else sid for sid in existing_v1]


def pack(session: Session, project_id: str, order: list[str] | None = None, rows: dict | None = None) -> int:
    """Rewrite start_frame of every V1 shot so V1 is packed in `order` (default: its current order). Returns changes.

    `rows` (id -> row with start_frame, num_frames, trim_in, trim_out) saves reading V1 again when the caller has it.
    """
    rows = rows if rows is not None else {r.id: r for r in v1_rows(session, project_id)}
    ids = [i for i in (order or list(rows)) if i in rows]
    seen = set(ids)
    ids += [i for i in rows if i not in seen]
    changes, cursor = [], 0
    for sid in ids:
        r = rows[sid]
        if r.start_frame != cursor:
            changes.append({"id": sid, "start_frame": cursor})
        cursor += max(1, r.num_frames - r.trim_in - r.trim_out)
    if changes:
        session.execute(update(Shot), changes)
    return len(changes)
