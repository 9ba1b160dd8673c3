"""The project's storyboard: read it, parse a script against it (recognising shots it already has),
export it as a screenplay, and match its shots to the project's elements (seed §6).

Commit and the card edits (rename, reorder, add, delete) are in storyboard_edit.py.
"""

from __future__ import annotations

import difflib
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Scene, Shot, table_of
from milimo.errors import Invalid, TooLarge
from milimo.storyboard import ElementIndex, Grid, parse_script
from milimo.storyboard.export import write_fountain
from milimo.storyboard.fdx import write_fdx
from milimo.storyboard.fountain import parse_fountain
from milimo.storyboard.model import ParsedScene, ParsedShot, ShotKind, Storyboard
from milimo.studio.elements import load_elements
from milimo.studio.schemas import DEFAULT_IN_STATE
from milimo.studio.state import shots_rows
from milimo.studio.storyboard_schemas import ParseRequest
from milimo.studio.versions import bump_version, check_base_version, require_project


def check_script_size(settings: Settings, text: str) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.max_script_bytes:
        raise TooLarge(
            f"the script is {size:,} bytes; the limit is {settings.max_script_bytes:,} "
            "(MILIMO_MAX_SCRIPT_BYTES); split it into several projects"
        )


def elements_of(session: Session, project_id: str) -> ElementIndex:
    """The project's elements for the matcher; image_url is each one's primary reference image."""
    return ElementIndex(
        [
            {
                "id": e.id,
                "name": e.name,
                "trigger_word": e.trigger_word,
                "type": e.type,
                "description": e.description,
                "image_url": e.images[0].url if e.images else None,
            }
            for e in load_elements(session, project_id)
        ]
    )


def match_shot(index: ElementIndex, heading: str, action: str, dialogue: str, character: str) -> list[dict[str, Any]]:
    return index.match(action=action, dialogue=dialogue, character=character, scene_heading=heading)


# ----------------------------------------------------------------------------- read


def storyboard_state(session: Session, project_id: str, summary: dict | None = None) -> dict[str, Any]:
    """Scenes in order, each with its shots in order (shots without a scene are timeline clips, not here)."""
    project = require_project(session, project_id)
    sc = table_of(Scene).c
    scenes = session.execute(
        select(sc.id, sc.index, sc.name, sc.script_content)
        .where(sc.project_id == project_id)
        .order_by(sc.index, sc.created_at, sc.id)
    ).all()
    by_scene: dict[str, list[dict]] = {s.id: [] for s in scenes}
    for row in shots_rows(session, project_id):
        # The state's rows leave fields at their default out, and project_id (the state's id); a card is a whole ShotPublic.
        shot = {**DEFAULT_IN_STATE, **row, "project_id": project_id}
        if shot["scene_id"] in by_scene:
            by_scene[shot["scene_id"]].append(shot)
    out = []
    for s in scenes:
        shots = by_scene[s.id]
        shots.sort(key=lambda d: (d["index"], str(d["created_at"]), d["id"]))
        out.append({"id": s.id, "index": s.index, "heading": s.name, "script_content": s.script_content, "shots": shots})
    return {
        "project_id": project_id,
        "project_version": project.version,
        "script_text": project.script_text,
        "scenes": out,
        "summary": summary,
    }


def get_storyboard(db: Database, project_id: str) -> dict[str, Any]:
    with db.read() as session:
        return storyboard_state(session, project_id)


def _text(v: Any) -> str:
    return " ".join(str(v or "").split()).lower()


def _kind(action: str, dialogue: str) -> ShotKind:
    lines = [ln.strip() for ln in dialogue.splitlines() if ln.strip()]
    if lines and all(ln.startswith("~") for ln in lines):
        return "lyrics"
    if lines:
        return "dialogue"
    stripped = action.strip()
    return "centered" if stripped.startswith(">") and stripped.endswith("<") else "action"


def board_from_state(state: dict[str, Any], title_page: dict[str, str]) -> Storyboard:
    """The stored storyboard as a parse result (for export and for recognising shots)."""
    board = Storyboard(mode="fountain", title_page=title_page)
    for scene in state["scenes"]:
        heading = scene["heading"]
        number, forced = "", False
        first = (scene["script_content"] or "").lstrip().split("\n", 1)[0].strip()
        if first and heading and _text(first).lstrip(".").startswith(_text(heading)):  # the scene number is in the source line
            number = first.rsplit("#", 2)[1] if first.endswith("#") and first.count("#") >= 2 else ""
            forced = first.startswith(".")
        ps = ParsedScene(heading=heading, scene_number=number, forced=forced, id=scene["id"])
        for shot in scene["shots"]:
            kind = _kind(shot["action"], shot["dialogue"])
            action = shot["action"].strip()[1:-1].strip() if kind == "centered" else shot["action"]
            ps.shots.append(
                ParsedShot(
                    kind=kind,
                    action=action,
                    dialogue=shot["dialogue"],
                    character=shot["character"],
                    shot_type=shot["shot_type"],
                    dual=shot["dual_dialogue"],
                    transition=shot["transition"],
                    id=shot["id"],
                    num_frames=shot["num_frames"],
                )
            )
        board.scenes.append(ps)
    return board


def export_storyboard(db: Database, project_id: str, fmt: str) -> tuple[str, str]:
    """(text, file name). The title page comes from the project's stored script."""
    with db.read() as session:
        state = storyboard_state(session, project_id)
        name = require_project(session, project_id).name
    title_page: dict[str, str] = {}
    if state["script_text"].strip():
        try:
            title_page = (
                parse_fountain(state["script_text"]).title_page if not state["script_text"].lstrip().startswith("<") else {}
            )
        except Exception:  # the stored script is the user's text; a title page we cannot read is just absent
            title_page = {}
    title_page = title_page or {"title": name}
    board = board_from_state(state, title_page)
    safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip() or "storyboard"
    if fmt == "fdx":
        return write_fdx(board), f"{safe}.fdx"
    return write_fountain(board), f"{safe}.fountain"


# ----------------------------------------------------------------------------- parse


def _recognise(board: Storyboard, state: dict[str, Any]) -> None:
    """Give parsed scenes and shots the ids of the stored ones they are (content, never position).

    Pass 1: the same heading, character, dialogue and action. Pass 2, inside a recognised
    scene: the same character and text at least 60 % alike (a typo fixed keeps its video).
    """
    stored = [(scene, shot) for scene in state["scenes"] for shot in scene["shots"]]
    exact: dict[tuple, list[str]] = {}
    for scene, shot in stored:
        key = (_text(scene["heading"]), _text(shot["character"]), _text(shot["dialogue"]), _text(shot["action"]))
        exact.setdefault(key, []).append(shot["id"])
    used: set[str] = set()
    shot_scene = {shot["id"]: scene["id"] for scene, shot in stored}
    for ps in board.scenes:
        for shot in ps.shots:
            action = f">{shot.action}<" if shot.kind == "centered" else shot.action
            ids = exact.get((_text(ps.heading), _text(shot.character), _text(shot.dialogue), _text(action)))
            while ids:
                candidate = ids.pop(0)
                if candidate not in used:
                    shot.id = candidate
                    used.add(candidate)
                    break
    scenes_by_heading: dict[str, list[dict]] = {}
    for scene in state["scenes"]:
        scenes_by_heading.setdefault(_text(scene["heading"]), []).append(scene)
    used_scenes: set[str] = set()
    for ps in board.scenes:
        votes: dict[str, int] = {}
        for shot in ps.shots:
            if shot.id:
                votes[shot_scene[shot.id]] = votes.get(shot_scene[shot.id], 0) + 1
        same = [s for s in scenes_by_heading.get(_text(ps.heading), []) if s["id"] not in used_scenes]
        choice = same[0]["id"] if same else max(sorted(votes), key=lambda k: votes[k], default=None)
        if choice and choice not in used_scenes:
            ps.id = choice
            used_scenes.add(choice)
    stored_by_scene = {scene["id"]: scene["shots"] for scene in state["scenes"]}
    for ps in board.scenes:
        pool = [s for s in stored_by_scene.get(ps.id or "", []) if s["id"] not in used]
        for shot in ps.shots:
            if shot.id or not pool:
                continue
            text = _text(shot.dialogue or shot.action)
            best, best_ratio = None, 0.6
            for cand in pool:
                if _text(cand["character"]) != _text(shot.character):
                    continue
                ratio = difflib.SequenceMatcher(None, text, _text(cand["dialogue"] or cand["action"])).ratio()
                if ratio >= best_ratio:
                    best, best_ratio = cand, ratio
            if best is not None:
                shot.id = best["id"]
                used.add(best["id"])
                pool.remove(best)


def parse_for_project(db: Database, settings: Settings, project_id: str, request: ParseRequest, grid: Grid) -> dict[str, Any]:
    """Parse without writing: scenes and shots, with the ids of what the project already has."""
    check_script_size(settings, request.script_text)
    return board_for_project(db, project_id, parse_script(request.script_text, request.parse_mode, grid), grid)


def board_for_project(db: Database, project_id: str, board: Storyboard, grid: Grid) -> dict[str, Any]:
    """A parse result as the API returns it: the project's shot ids carried, element matches, the grid."""
    with db.read() as session:
        state = storyboard_state(session, project_id)
        index = elements_of(session, project_id)
    _recognise(board, state)
    out = board.as_dict()
    out["grid"] = {"fps": grid.fps, "frame_step": grid.frame_step, "native_max_frames": grid.native_max_frames}
    for scene, ps in zip(out["scenes"], board.scenes):
        for shot, parsed in zip(scene["shots"], ps.shots):
            shot["matched_elements"] = match_shot(index, ps.heading, parsed.action, parsed.dialogue, parsed.character)
    return out


# ----------------------------------------------------------------------------- match elements


def match_project(db: Database, project_id: str, base_version: int | None) -> dict[str, Any]:
    """Re-run the matcher over every storyboard shot and store the matches that changed."""

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, project_id)
        check_base_version(session, project, base_version)
        index = elements_of(session, project_id)
        t, sc = table_of(Shot).c, table_of(Scene).c
        rows = session.execute(
            select(t.id, t.action, t.dialogue, t.character, t.matched_elements, sc.name)
            .join(table_of(Scene), sc.id == t.scene_id)
            .where(t.project_id == project_id)
        ).all()
        if not rows:
            raise Invalid("the project has no storyboard shots to match; commit a storyboard first")
        changes, matched = [], 0
        for row in rows:
            found = match_shot(index, row.name, row.action, row.dialogue, row.character)
            matched += bool(found)
            if found != (row.matched_elements or []):
                changes.append({"id": row.id, "matched_elements": found})
        if changes:
            session.execute(update(Shot), changes)
            bump_version(project)
        session.flush()
        return {"project_version": project.version, "shots_matched": matched, "shots_changed": len(changes)}

    return db.write(write)
