"""Storyboard writes: commit (merge by id), rename a scene, reorder scenes and shots, add and delete shots.

Commit rules (the public implementation merged by position and re-targeted videos):
- a card with the id of a stored shot updates that shot's story fields; its take
  (media_asset_id), video, thumbnail and status are never touched;
- a card without an id (or with an unknown one) is a new shot on V1, in story order;
- scenes and storyboard shots of the project that the commit does not name are deleted: they
  are what the user removed. Shots without a scene (timeline clips) are not the storyboard's;
- the commit names the project version it is based on; an older one gets 409 and nothing changes.

Every write keeps V1 packed (storyboard_v1.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Project, Scene, Shot, table_of, utcnow
from milimo.errors import Invalid, NotFound
from milimo.storyboard import Grid, shot_types
from milimo.storyboard.prompt import shot_prompt
from milimo.storyboard.timing import shot_timing
from milimo.studio import storyboard_v1 as v1
from milimo.studio.ids import new_id
from milimo.studio.storyboard import _kind, check_script_size, elements_of, match_shot, storyboard_state
from milimo.studio.storyboard_schemas import CommitRequest, CommitShot, SceneOrder, SceneRename, ShotAdd, ShotOrder
from milimo.studio.versions import bump_version, check_base_version, require_project

_SHOT_TEMPLATE = {c.name: None for c in table_of(Shot).columns}
_STORY_COLUMNS = (
    "id",
    "project_id",
    "scene_id",
    "index",
    "action",
    "dialogue",
    "character",
    "shot_type",
    "transition",
    "dual_dialogue",
    "num_frames",
    "trim_in",
    "trim_out",
    "prompt",
    "media_asset_id",
    "video_url",
    "track_index",
)


def _defaults() -> dict[str, Any]:
    """Every column of a new Shot row with the table model's defaults (bulk inserts bypass the ORM)."""
    shot = Shot(id="_", project_id="_")
    return {name: getattr(shot, name) for name in _SHOT_TEMPLATE}


def _frames(action: str, dialogue: str, grid: Grid) -> int:
    return shot_timing(
        action, dialogue, fps=grid.fps, frame_step=grid.frame_step, native_max_frames=grid.native_max_frames
    ).num_frames


def _has_take(row) -> bool:
    return bool(row.media_asset_id or row.video_url)


class _Commit:
    def __init__(self, session: Session, project: Project, grid: Grid) -> None:
        self.session, self.project, self.grid = session, project, grid
        self.index = elements_of(session, project.id)
        t = table_of(Shot).c
        cols = [t[c] for c in _STORY_COLUMNS]
        self.stored = {r.id: r for r in session.execute(select(*cols).where(t.project_id == project.id)).all()}
        sc = table_of(Scene).c
        self.scenes = {
            r.id: r
            for r in session.execute(select(sc.id, sc.index, sc.name, sc.script_content).where(sc.project_id == project.id)).all()
        }
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.summary = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "scenes_created": 0, "scenes_deleted": 0}
        self.template = _defaults()

    def _foreign(self, table, ids: list[str]) -> set[str]:
        """Ids that exist in another project (a client may not take them)."""
        if not ids:
            return set()
        c = table_of(table).c
        return set(self.session.execute(select(c.id).where(c.id.in_(ids), c.project_id != self.project.id)).scalars())

    def validate_ids(self, request: CommitRequest) -> None:
        shot_ids = [s.id for sc in request.scenes for s in sc.shots if s.id]
        scene_ids = [sc.id for sc in request.scenes if sc.id]
        for what, ids in (("shot", shot_ids), ("scene", scene_ids)):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    raise Invalid(f"{what} {i!r} appears twice in the storyboard; each card needs its own id (or none)")
                seen.add(i)
        for what, table, ids in (
            ("shot", Shot, [i for i in shot_ids if i not in self.stored]),
            ("scene", Scene, [i for i in scene_ids if i not in self.scenes]),
        ):
            foreign = self._foreign(table, ids)
            if foreign:
                raise Invalid(f"{what} {sorted(foreign)[0]!r} belongs to another project; send a new id or none")

    def shot(self, card: CommitShot, scene_id: str, heading: str, position: int) -> str:
        action = card.action
        if card.kind == "centered" and not (action.strip().startswith(">") and action.strip().endswith("<")):
            action = f">{action.strip()}<"  # stored with Fountain's markers, so it stays centered text
        card = card.model_copy(update={"action": action})
        kind = _kind(card.action, card.dialogue)
        row = self.stored.get(card.id) if card.id else None
        # The script's marks: a card that does not name them keeps the stored shot's (a client that
        # does not know them erases nothing); only a cue can be half of a dual-dialogue pair.
        transition = card.transition if card.transition is not None else (row.transition if row is not None else "")
        dual = (card.dual if card.dual is not None else (row is not None and row.dual_dialogue)) and kind == "dialogue"
        if row is None:
            shot_type = (
                shot_types.normalise(card.shot_type)
                if card.shot_type
                else shot_types.infer_shot_type(f"{card.action} {card.dialogue}", has_dialogue=kind == "dialogue")
            )
            p = self.project
            data = {
                **self.template,
                "id": card.id or new_id(),
                "project_id": p.id,
                "scene_id": scene_id,
                "index": position,
                "track_index": 0,
                "width": p.resolution_w,
                "height": p.resolution_h,
                "fps": p.fps,
                "seed": p.seed,
                "action": card.action,
                "dialogue": card.dialogue,
                "character": card.character,
                "shot_type": shot_type,
                "transition": transition,
                "dual_dialogue": dual,
                "num_frames": card.num_frames or _frames(card.action, card.dialogue, self.grid),
                "prompt": card.prompt
                if card.prompt is not None
                else shot_prompt(heading, shot_type, card.action, card.character, card.dialogue, kind),
                "matched_elements": match_shot(self.index, heading, card.action, card.dialogue, card.character),
                "timeline": [],
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
            self.inserts.append(data)
            self.summary["created"] += 1
            return data["id"]
        shot_type = shot_types.normalise(card.shot_type) if card.shot_type else (row.shot_type or "medium")
        change: dict[str, Any] = {}
        for key, value in (
            ("scene_id", scene_id),
            ("index", position),
            ("action", card.action),
            ("dialogue", card.dialogue),
            ("character", card.character),
            ("shot_type", shot_type),
            ("transition", transition),  # the edit intent alone: no new prompt or length, the take stays
            ("dual_dialogue", dual),
        ):
            if getattr(row, key) != value:
                change[key] = value
        content = any(k in change for k in ("action", "dialogue", "character", "shot_type"))
        old_heading = self.scenes[row.scene_id].name if row.scene_id in self.scenes else ""
        if content or change.get("scene_id"):
            # The automatic prompt follows the content; a hand-written one is the user's and stays.
            old_auto = shot_prompt(
                old_heading, row.shot_type, row.action, row.character, row.dialogue, _kind(row.action, row.dialogue)
            )
            sent = card.prompt if card.prompt is not None else row.prompt
            if sent == row.prompt and row.prompt in (old_auto, ""):
                change["prompt"] = shot_prompt(heading, shot_type, card.action, card.character, card.dialogue, kind)
            elif sent != row.prompt:
                change["prompt"] = sent
            change["matched_elements"] = match_shot(self.index, heading, card.action, card.dialogue, card.character)
        elif card.prompt is not None and card.prompt != row.prompt:
            change["prompt"] = card.prompt
        if not _has_take(row):  # a shot with a take is as long as its take
            frames = card.num_frames
            if frames is None and content and row.num_frames == _frames(row.action, row.dialogue, self.grid):
                frames = _frames(card.action, card.dialogue, self.grid)
            if frames is not None and frames != row.num_frames:
                if row.trim_in + row.trim_out >= frames:
                    raise Invalid(
                        f"shot {row.id!r}: num_frames {frames} leaves nothing after its trims "
                        f"({row.trim_in} + {row.trim_out}); lower the trims or send more frames"
                    )
                change["num_frames"] = frames
        if change:
            change["id"], change["updated_at"] = row.id, utcnow()
            self.updates.append(change)
            self.summary["updated"] += 1
        else:
            self.summary["unchanged"] += 1
        return row.id

    def run(self, request: CommitRequest) -> list[str]:
        """Apply the commit; returns the storyboard's shot ids in story order."""
        self.validate_ids(request)
        story: list[str] = []
        kept_scenes: set[str] = set()
        scene_inserts, scene_updates = [], []
        for i, sc in enumerate(request.scenes):
            sid = sc.id or new_id()
            kept_scenes.add(sid)
            fields: dict[str, Any] = {"index": i, "name": sc.heading.strip(), "script_content": sc.source_text}
            old = self.scenes.get(sid)
            if old is None:
                scene_inserts.append({"id": sid, "project_id": self.project.id, "created_at": utcnow(), **fields})
                self.summary["scenes_created"] += 1
            elif (old.index, old.name, old.script_content) != (i, fields["name"], fields["script_content"]):
                scene_updates.append({"id": sid, **fields})
            for j, card in enumerate(sc.shots):
                story.append(self.shot(card, sid, fields["name"], j))
        if scene_inserts:
            self.session.execute(insert(Scene), scene_inserts)
        if scene_updates:
            self.session.execute(update(Scene), scene_updates)
        if self.updates:
            self.session.execute(update(Shot), self.updates)
        kept = set(story)
        removed = [r.id for r in self.stored.values() if r.scene_id is not None and r.id not in kept]
        removed_scenes = [sid for sid in self.scenes if sid not in kept_scenes]
        t = table_of(Shot).c
        for chunk in range(0, len(removed), 500):
            self.session.execute(
                delete(table_of(Shot)).where(t.project_id == self.project.id, t.id.in_(removed[chunk : chunk + 500]))
            )
        if removed_scenes:
            c = table_of(Scene).c
            self.session.execute(delete(table_of(Scene)).where(c.project_id == self.project.id, c.id.in_(removed_scenes)))
        self.summary["deleted"], self.summary["scenes_deleted"] = len(removed), len(removed_scenes)
        v1_now = v1.v1_rows(self.session, self.project.id)
        if self.inserts:
            self.session.execute(insert(Shot), self.inserts)
        rows = {r.id: r for r in v1_now}
        rows.update((d["id"], SimpleNamespace(**d)) for d in self.inserts)
        order = v1.place_new([r.id for r in v1_now], story, {d["id"] for d in self.inserts})
        v1.pack(self.session, self.project.id, order, rows)
        return story


def commit_storyboard(db: Database, settings: Settings, project_id: str, request: CommitRequest, grid: Grid) -> dict[str, Any]:
    if request.script_text is not None:
        check_script_size(settings, request.script_text)

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, project_id)
        check_base_version(session, project, request.base_version)
        commit = _Commit(session, project, grid)
        commit.run(request)
        if request.script_text is not None:
            project.script_text = request.script_text
        bump_version(project)
        session.flush()
        return storyboard_state(session, project_id, commit.summary)

    return db.write(write)


# ----------------------------------------------------------------------------- card edits


def _scene(session: Session, project_id: str, scene_id: str) -> Scene:
    scene = session.get(Scene, scene_id)
    if scene is None or scene.project_id != project_id:
        raise NotFound(f"scene {scene_id!r} is not a scene of project {project_id!r}")
    return scene


def _story(session: Session, project_id: str) -> list[str]:
    t, sc = table_of(Shot).c, table_of(Scene).c
    return list(
        session.execute(
            select(t.id)
            .join(table_of(Scene), sc.id == t.scene_id)
            .where(t.project_id == project_id)
            .order_by(sc.index, sc.created_at, t.index, t.created_at, t.id)
        ).scalars()
    )


def _edit(db: Database, project_id: str, base_version: int | None, fn) -> dict[str, Any]:
    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, project_id)
        check_base_version(session, project, base_version)
        fn(session)
        bump_version(project)
        session.flush()
        return storyboard_state(session, project_id)

    return db.write(write)


def rename_scene(db: Database, project_id: str, scene_id: str, body: SceneRename) -> dict[str, Any]:
    return _edit(db, project_id, body.base_version, lambda s: setattr(_scene(s, project_id, scene_id), "name", body.heading))


def reorder_scenes(db: Database, project_id: str, body: SceneOrder) -> dict[str, Any]:
    def apply(session: Session) -> None:
        sc = table_of(Scene).c
        ids = list(session.execute(select(sc.id).where(sc.project_id == project_id)).scalars())
        if sorted(ids) != sorted(body.scene_ids):
            raise Invalid(
                f"scene_ids must list each of the project's {len(ids)} scenes exactly once "
                f"(got {len(body.scene_ids)}); reload the storyboard and try again"
            )
        session.execute(update(Scene), [{"id": sid, "index": i} for i, sid in enumerate(body.scene_ids)])
        _follow_story(session, project_id)

    return _edit(db, project_id, body.base_version, apply)


def reorder_shots(db: Database, project_id: str, body: ShotOrder) -> dict[str, Any]:
    def apply(session: Session) -> None:
        _scene(session, project_id, body.scene_id)
        t = table_of(Shot).c
        ids = list(session.execute(select(t.id).where(t.project_id == project_id, t.scene_id == body.scene_id)).scalars())
        if sorted(ids) != sorted(body.shot_ids):
            raise Invalid(
                f"shot_ids must list each of the scene's {len(ids)} shots exactly once (got "
                f"{len(body.shot_ids)}); reload the storyboard and try again"
            )
        session.execute(update(Shot), [{"id": sid, "index": i} for i, sid in enumerate(body.shot_ids)])
        _follow_story(session, project_id)

    return _edit(db, project_id, body.base_version, apply)


def _follow_story(session: Session, project_id: str) -> None:
    session.flush()
    order = v1.carry_story_order([r.id for r in v1.v1_rows(session, project_id)], _story(session, project_id))
    v1.pack(session, project_id, order)


def _reindex(session: Session, project_id: str, scene_id: str, order: list[str]) -> None:
    session.execute(update(Shot), [{"id": sid, "index": i} for i, sid in enumerate(order)])


def add_shot(db: Database, project_id: str, body: ShotAdd, grid: Grid) -> dict[str, Any]:
    def apply(session: Session) -> None:
        scene = _scene(session, project_id, body.scene_id)
        project = require_project(session, project_id)
        t = table_of(Shot).c
        order = list(
            session.execute(
                select(t.id).where(t.project_id == project_id, t.scene_id == scene.id).order_by(t.index, t.created_at, t.id)
            ).scalars()
        )
        at = len(order) if body.position is None else min(body.position, len(order))
        card = CommitShot(
            action=body.action,
            dialogue=body.dialogue,
            character=body.character,
            shot_type=body.shot_type,
            transition=body.transition,
            dual=body.dual,
            num_frames=body.num_frames,
        )
        commit = _Commit(session, project, grid)
        sid = commit.shot(card, scene.id, scene.name, at)
        existing_v1 = [r.id for r in v1.v1_rows(session, project_id)]
        session.execute(insert(Shot), commit.inserts)
        order.insert(at, sid)
        _reindex(session, project_id, scene.id, order)
        session.flush()
        v1.pack(session, project_id, v1.place_new(existing_v1, _story(session, project_id), {sid}))

    return _edit(db, project_id, body.base_version, apply)


def delete_shot(db: Database, project_id: str, shot_id: str, base_version: int | None) -> dict[str, Any]:
    def apply(session: Session) -> None:
        shot = session.get(Shot, shot_id)
        if shot is None or shot.project_id != project_id:
            raise NotFound(f"shot {shot_id!r} is not a shot of project {project_id!r}")
        scene_id = shot.scene_id
        session.delete(shot)
        session.flush()
        if scene_id is not None:
            t = table_of(Shot).c
            order = list(
                session.execute(
                    select(t.id).where(t.project_id == project_id, t.scene_id == scene_id).order_by(t.index, t.created_at, t.id)
                ).scalars()
            )
            if order:
                _reindex(session, project_id, scene_id, order)
        v1.pack(session, project_id)

    return _edit(db, project_id, base_version, apply)
