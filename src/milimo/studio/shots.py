"""Shots: create/update from a client (only client-owned fields), patch, and frame-exact split."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
from sqlalchemy import Text, cast, func, select, update
from sqlmodel import Session

from milimo.db.database import Database
from milimo.db.models import Asset, Project, Scene, Shot, is_json_column, table_of, utcnow
from milimo.db.states import ShotStatus
from milimo.errors import Invalid, NotFound
from milimo.studio.ids import new_id
from milimo.studio.schemas import (
    IGNORED_IN_SAVE,
    ShotFields,
    ShotUpdate,
    ShotUpsert,
    SplitRequest,
)
from milimo.studio.state import shot_dict
from milimo.studio.versions import bump_version, check_base_version, require_project


def _client_fields(item: ShotFields) -> dict[str, Any]:
    # Top-level "unset" means "no change"; nested items (conditioning) are stored whole, defaults included.
    dumped = item.model_dump(include=item.model_fields_set - IGNORED_IN_SAVE - {"base_version"})
    # Explicit nulls mean "no change", except where null is a value: no scene, no take.
    return {k: v for k, v in dumped.items() if v is not None or k in NULLABLE_FIELDS}


NULLABLE_FIELDS = frozenset({"scene_id", "media_asset_id"})


def apply_take(session: Session, shot: Shot, asset_id: str | None) -> None:
    """Point the shot at an asset's media (or at none); the result fields follow from the asset."""
    if asset_id is None:
        shot.media_asset_id, shot.video_url, shot.thumbnail_url, shot.engine, shot.actual_frames = None, None, None, None, None
        if shot.status == ShotStatus.completed:
            shot.status = ShotStatus.pending
        return
    asset = session.get(Asset, asset_id)
    if asset is None or asset.project_id != shot.project_id:
        raise Invalid(
            f"shot {shot.id!r}: media_asset_id {asset_id!r} is not an asset of this project; upload it first",
            shot_id=shot.id,
            media_asset_id=asset_id,
        )
    if shot.media_asset_id != asset.id:
        # The enhanced prompt belongs to a take: a newly chosen one brings its own (or none), never the previous one's.
        enhanced = (asset.meta or {}).get("enhanced_prompt")
        shot.enhanced_prompt = enhanced if isinstance(enhanced, str) else None
    shot.media_asset_id, shot.video_url = asset.id, asset.url
    shot.thumbnail_url = asset.thumbnail_url or (asset.url if asset.media_type == "image" else None)
    shot.engine = asset.engine or "upload"
    shot.actual_frames = asset.num_frames if asset.media_type == "video" else None
    shot.status = ShotStatus.completed


def _assign(session: Session, shot: Shot, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key != "media_asset_id":
            setattr(shot, key, value)
    if "media_asset_id" in fields:
        apply_take(session, shot, fields["media_asset_id"])


def _check_trims(shot: Shot) -> None:
    if shot.trim_in + shot.trim_out >= shot.num_frames:
        raise Invalid(
            f"shot {shot.id!r}: trim_in ({shot.trim_in}) + trim_out ({shot.trim_out}) must leave at least one of its "
            f"{shot.num_frames} frames; lower a trim or raise num_frames"
        )


def _check_scene(session: Session, shot: Shot, scene_id: str | None) -> None:
    """Before anything is assigned: a foreign key flushed first is an IntegrityError (a 500), not a 422."""
    if scene_id is not None:
        with session.no_autoflush:
            scene = session.get(Scene, scene_id)
        if scene is None or scene.project_id != shot.project_id:
            raise Invalid(
                f"shot {shot.id!r}: scene {scene_id!r} is not a scene of this project; create it first or send null",
                shot_id=shot.id,
                scene_id=scene_id,
            )


class ShotBatch:
    """Upserts many shots of one project with a constant number of queries (a save may carry thousands).

    An autosave re-sends shots it did not change: their stored client fields are read as plain
    rows and compared with what was sent, and a shot stored exactly as sent is neither loaded as
    an object nor written (`upsert` returns None for it)."""

    def __init__(self, session: Session, project: Project, items: list[ShotUpsert]) -> None:
        self.session, self.project = session, project
        t, sc = table_of(Shot).c, table_of(Scene).c
        self.fields = [_client_fields(item) for item in items]
        ids = [i.id for i in items if i.id]
        names = sorted({k for f in self.fields for k in f})
        # JSON columns as text, parsed by orjson (the column type's json.loads is ~10x slower).
        cols = [cast(t[n], Text).label(n) if is_json_column(t[n]) else t[n] for n in names]
        stored = {r[0]: r for r in session.execute(select(t.id, t.project_id, *cols).where(t.id.in_(ids))).all()} if ids else {}
        self._json = {n for n in names if is_json_column(t[n])}
        once = {i for i, n in Counter(ids).items() if n == 1}
        self.stored_ids = set(stored)
        self._items = list(items)  # keeps the items alive, so their id()s below cannot be reused by new objects
        self._fields = {id(item): fields for item, fields in zip(items, self.fields)}
        unchanged = {
            item.id
            for item, fields in zip(items, self.fields)
            if item.id in once and item.id in stored and _stored_as_sent(stored[item.id], project.id, names, self._json, fields)
        }
        self._unchanged = {id(item) for item in items if item.id in unchanged}  # these very items, by identity
        load = [i for i in ids if i in stored and i not in unchanged]
        self.existing = {s.id: s for s in session.execute(select(Shot).where(t.id.in_(load))).scalars()} if load else {}
        self.scene_ids = set(session.execute(select(sc.id).where(sc.project_id == project.id)).scalars())
        self.next_index = {
            scene: (-1 if top is None else top) + 1
            for scene, top in session.execute(
                select(t.scene_id, func.max(t.index)).where(t.project_id == project.id).group_by(t.scene_id)
            )
        }
        # Where each track ends (frames): a new shot without a start_frame is appended there.
        self.track_end = dict(
            session.execute(
                select(t.track_index, func.max(t.start_frame + t.num_frames - t.trim_in - t.trim_out))
                .where(t.project_id == project.id)
                .group_by(t.track_index)
            ).all()
        )

    def upsert(self, item: ShotUpsert) -> Shot | None:
        """Create or update one shot. None: an item of the batch stored exactly as sent, left untouched."""
        if id(item) in self._unchanged:
            return None
        fields = self._fields.get(id(item))
        if fields is None:
            fields = _client_fields(item)
        shot = self.existing.get(item.id) if item.id else None
        if shot is None and item.id in self.stored_ids:
            shot = self.existing[item.id] = self.session.get(Shot, item.id)
        if shot is not None and shot.project_id != self.project.id:
            raise Invalid(f"shot {item.id!r} belongs to another project; send a new id or none")
        if shot is None:
            p = self.project
            defaults = {"width": p.resolution_w, "height": p.resolution_h, "fps": p.fps, "seed": p.seed}
            shot = Shot(
                id=item.id or new_id(),
                project_id=p.id,
                **{**defaults, **{k: v for k, v in fields.items() if k != "media_asset_id"}},
            )
            if fields.get("media_asset_id"):
                apply_take(self.session, shot, fields["media_asset_id"])
            if "index" not in fields:
                shot.index = self.next_index.get(shot.scene_id, 0)
            if "start_frame" not in fields:
                shot.start_frame = self.track_end.get(shot.track_index) or 0
            self.next_index[shot.scene_id] = max(self.next_index.get(shot.scene_id, 0), shot.index + 1)
            end = shot.start_frame + shot.num_frames - shot.trim_in - shot.trim_out
            self.track_end[shot.track_index] = max(self.track_end.get(shot.track_index) or 0, end)
            self.session.add(shot)
            self.existing[shot.id] = shot
        else:
            self._check_scene(shot.id, fields.get("scene_id"))
            _assign(self.session, shot, fields)
            if self.session.is_modified(shot):  # a save re-sends unchanged shots: those are not written
                shot.updated_at = utcnow()
        _check_trims(shot)
        self._check_scene(shot.id, shot.scene_id)
        return shot

    def _check_scene(self, shot_id: str, scene_id: str | None) -> None:
        if scene_id is not None and scene_id not in self.scene_ids:
            raise Invalid(
                f"shot {shot_id!r}: scene {scene_id!r} is not a scene of this project; create it first or send null",
                shot_id=shot_id,
                scene_id=scene_id,
            )


def _stored_as_sent(row, project_id: str, names: list[str], json_names: set[str], fields: dict[str, Any]) -> bool:
    if row[1] != project_id:
        return False  # another project's shot: upsert says so
    stored = dict(zip(names, row[2:]))
    for k in json_names & fields.keys():
        stored[k] = orjson.loads(stored[k]) if stored[k] is not None else None
    return all(stored[k] == v for k, v in fields.items())


def _require_shot(session: Session, shot_id: str) -> Shot:
    shot = session.get(Shot, shot_id)
    if shot is None:
        raise NotFound(f"shot {shot_id!r} does not exist")
    return shot


def patch_shot(db: Database, shot_id: str, change: ShotUpdate) -> dict[str, Any]:
    fields = _client_fields(change)
    if not fields:
        raise Invalid("nothing to change: name at least one shot field (prompt, trim_in, start_frame, ...)")

    def write(session: Session) -> dict[str, Any]:
        shot = _require_shot(session, shot_id)
        project = require_project(session, shot.project_id)
        check_base_version(session, project, change.base_version)
        if "scene_id" in fields:
            _check_scene(session, shot, fields["scene_id"])
        _assign(session, shot, fields)
        shot.updated_at = utcnow()
        _check_trims(shot)
        bump_version(project)
        session.flush()
        return {"shot": shot_dict(shot), "project_version": project.version}

    return db.write(write)


def split_shot(db: Database, shot_id: str, request: SplitRequest) -> dict[str, Any]:
    """Split at a frame inside the trimmed shot (reference-system §3.14, made to work).

    Both halves are trimmed views of the same take (same video, same conditioning): the
    original keeps [trim_in, abs), the new shot gets [abs, end). On every track the new shot
    starts where the cut is (start_frame + split_frame), so V1 stays packed.
    """

    def write(session: Session) -> dict[str, Any]:
        shot = _require_shot(session, shot_id)
        project = require_project(session, shot.project_id)
        check_base_version(session, project, request.base_version)
        duration = shot.num_frames - shot.trim_in - shot.trim_out
        if not 0 < request.split_frame < duration:
            raise Invalid(
                f"split_frame must be between 1 and {duration - 1} (the shot shows {duration} frames after trims); "
                f"got {request.split_frame}"
            )
        cut = shot.trim_in + request.split_frame
        data = {k: getattr(shot, k) for k in Shot.model_fields if k not in ("id", "created_at", "updated_at")}
        new = Shot(
            **{
                **data,
                "id": new_id(),
                "trim_in": cut,
                "trim_out": shot.trim_out,
                "start_frame": shot.start_frame + request.split_frame,
                "index": shot.index + 1,
                "timeline": list(shot.timeline),
                "matched_elements": list(shot.matched_elements),
            }
        )
        # Make room in the scene order: every later shot of the same scene moves one down.
        t = table_of(Shot).c
        scene_match = t.scene_id.is_(None) if shot.scene_id is None else t.scene_id == shot.scene_id
        session.execute(
            update(table_of(Shot))
            .where(t.project_id == shot.project_id, scene_match, t.index > shot.index)
            .values(index=t.index + 1)
        )
        shot.trim_out = shot.num_frames - cut
        shot.transition = ""  # the script's transition is the cut out of the shot: it goes with the second part
        shot.updated_at = utcnow()
        session.add(new)
        bump_version(project)
        session.flush()
        session.refresh(shot)
        return {"original_shot": shot_dict(shot), "new_shot": shot_dict(new), "project_version": project.version}

    return db.write(write)
