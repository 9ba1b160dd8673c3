"""AI parse (seed §6.1): the text engine reads the script into a storyboard, checked against a strict schema.

The model is asked for JSON only: `[{"name", "shots": [{"action", "dialogue", "character",
"shot_type"}]}]`. What comes back is read leniently (code fences and prose around it stripped, a
reply cut off mid-shot repaired by closing it after the last complete shot, and a note says so)
and validated strictly (types coerced, unknown shot types -> medium, sizes capped, empty scenes
dropped). A script longer than one call reads is read in pieces (`pieces.py`), in order, and the
pieces' scenes are joined. If the engine cannot answer or a reply is not a storyboard, the
rule-based parser reads the whole script instead and the result says so, with the reason
(`mode: "fallback"`, `why`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from . import shot_types
from .model import ParsedScene, ParsedShot, Storyboard
from .parse import Grid, detect_mode, finish_shot, parse_script
from .pieces import AI_PIECE_CHARS, Piece, script_pieces

MAX_AI_PIECES = 50  # ~250 pages: a feature film and then some; longer scripts go to the parser
MAX_SCENES = 200
MAX_SHOTS_PER_SCENE = 60
MAX_FIELD = 4_000

SYSTEM_PROMPT = """You are a film storyboard artist. Break the user's script into scenes and shots.
Answer with JSON only, no prose and no code fences: a list of scenes,
[{"name": "INT. PLACE - TIME", "shots": [{"action": "what the camera sees", "dialogue": "the spoken line or null",
"character": "SPEAKER or null", "shot_type": "establishing|wide|medium|close_up|insert|tracking"}]}]
Rules: 1 to 8 shots per scene; one shot per action beat or per line of dialogue; dialogue shots are close_up or
medium; character names in capitals as the script writes them; keep the script's own words for dialogue."""


class NotAStoryboard(ValueError):
    """The model's reply could not be read as a storyboard."""


def read_reply(text: str) -> tuple[Any, bool]:
    """(the JSON in a reply, whether it had to be cut back to its last complete shot): fences
    stripped, the first list, a cut-off reply closed after its last whole shot."""
    body = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", text.strip(), flags=re.I)
    start = body.find("[")
    if start < 0:
        raise NotAStoryboard("the reply has no JSON list")
    body = body[start:]
    try:
        return json.loads(body), False
    except json.JSONDecodeError:
        pass
    end = body.rfind("]")
    if end > 0:
        try:
            return json.loads(body[: end + 1]), False
        except json.JSONDecodeError:
            pass
    # Truncated: cut after the last complete object and close whatever is still open.
    for cut in (m.end() for m in reversed(list(re.finditer(r"\}", body)))):
        head = body[:cut]
        opened = []
        in_str = esc = False
        for ch in head:
            if in_str:
                esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
            elif ch == '"':
                in_str = True
            elif ch in "[{":
                opened.append(ch)
            elif ch in "]}" and opened:
                opened.pop()
        if in_str:
            continue
        closing = "".join("]" if c == "[" else "}" for c in reversed(opened))
        try:
            return json.loads(head + closing), True
        except json.JSONDecodeError:
            continue
    raise NotAStoryboard("the reply is not JSON, even cut back to its last complete shot")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value if v is not None)
    text = str(value).strip()
    return "" if text.lower() in ("null", "none", "n/a") else text[:MAX_FIELD]


def validate(data: Any, grid: Grid) -> Storyboard:
    if isinstance(data, dict):
        data = data.get("scenes", [data])
    if not isinstance(data, list):
        raise NotAStoryboard("the reply is not a list of scenes")
    board = Storyboard(mode="fountain", why="")
    for i, raw in enumerate(data[:MAX_SCENES]):
        if not isinstance(raw, dict):
            continue
        heading = _text(raw.get("name") or raw.get("heading")) or f"Scene {i + 1}"
        scene = ParsedScene(heading=heading[:500])
        for s in (raw.get("shots") or [])[:MAX_SHOTS_PER_SCENE]:
            if not isinstance(s, dict):
                continue
            action = _text(s.get("action") or s.get("description"))
            dialogue, character = _text(s.get("dialogue")), _text(s.get("character"))[:200]
            if not (action or dialogue):
                continue
            shot = ParsedShot(
                kind="dialogue" if dialogue else "action",
                action=action,
                dialogue=dialogue,
                character=character,
                shot_type=shot_types.normalise(_text(s.get("shot_type"))),
            )
            finish_shot(shot, heading, grid, keep_type=True)
            scene.shots.append(shot)
        if scene.shots:
            board.scenes.append(scene)
    if not board.scenes:
        raise NotAStoryboard("the reply has no scene with a shot in it")
    if len(data) > MAX_SCENES:
        board.notes.append(f"the model gave {len(data)} scenes; the first {MAX_SCENES} were kept")
    return board


def ai_parse(
    text: str,
    chat: Callable[[str, str], str] | None,
    grid: Grid,
    fallback_mode: str = "auto",
    *,
    unavailable: tuple[type[BaseException], ...] = (),
    on_piece: Callable[[int, int], None] | None = None,
) -> tuple[Storyboard, str, str]:
    """(storyboard, mode "ai" | "fallback", why). `chat(system, user)` is the text engine; None means
    there is none. `on_piece(i, n)` runs before piece i of n is read (progress; it may raise to cancel)."""

    def fallback(reason: str) -> tuple[Storyboard, str, str]:
        board = parse_script(text, fallback_mode, grid)  # type: ignore[arg-type]
        return board, "fallback", f"{reason}; the {board.mode} parser ran instead ({board.why})"

    if chat is None:
        return fallback("no text model is loaded")
    if len(text) > AI_PIECE_CHARS and detect_mode(text)[0] == "fdx":
        return fallback("a Final Draft file longer than one model call is read by its parser, which reads its structure exactly")
    pieces = [Piece(text)] if len(text) <= AI_PIECE_CHARS else script_pieces(text)
    if len(pieces) > MAX_AI_PIECES:
        return fallback(
            f"the script is {len(text):,} characters; the model reads at most {MAX_AI_PIECES * AI_PIECE_CHARS:,} "
            f"({MAX_AI_PIECES} calls of {AI_PIECE_CHARS:,})"
        )
    board = Storyboard(mode="fountain", why="")
    for i, piece in enumerate(pieces):
        part = f" (part {i + 1} of {len(pieces)})" if len(pieces) > 1 else ""
        if on_piece is not None:
            on_piece(i, len(pieces))
        try:
            reply = chat(SYSTEM_PROMPT, _request(piece, i, len(pieces)))
        except unavailable as exc:
            return fallback(f"the text engine could not answer{part} ({exc})")
        try:
            data, cut_off = read_reply(reply)
            read = validate(data, grid)
        except NotAStoryboard as exc:
            return fallback(f"the model's answer{part} was not a valid storyboard ({exc})")
        if cut_off:
            board.notes.append(
                f"the model's answer{part} was cut off; it was kept up to its last complete shot, "
                "so the end of that part has no shots: check it, or use the parser"
            )
        _join(board, read, piece.continues)
    if len(board.scenes) > MAX_SCENES:
        board.notes.append(f"the model gave {len(board.scenes)} scenes; the first {MAX_SCENES} were kept")
        del board.scenes[MAX_SCENES:]
    board.why = "the text engine read the script" + (f" in {len(pieces)} parts" if len(pieces) > 1 else "")
    return board, "ai", board.why


def _request(piece: Piece, i: int, n: int) -> str:
    if n == 1:
        return f"Break this into a storyboard:\n\n{piece.text}"
    where = f"This is part {i + 1} of {n} of a script, in order."
    if piece.continues:
        where += f' It begins in the middle of the scene "{piece.continues}": name that scene exactly so.'
    return f"{where} Break this part into a storyboard:\n\n{piece.text}"


def _join(board: Storyboard, read: Storyboard, continues: str | None) -> None:
    """Add a piece's scenes; a piece that starts mid-scene puts its first scene's shots back into it."""
    scenes = list(read.scenes)
    last = board.scenes[-1] if board.scenes else None
    if (
        continues
        and last is not None
        and scenes
        and scenes[0].heading.strip().lower() in (continues.lower(), last.heading.lower())
    ):
        more = scenes.pop(0).shots
        room = max(0, MAX_SHOTS_PER_SCENE - len(last.shots))
        last.shots.extend(more[:room])
        if len(more) > room:
            board.notes.append(
                f"{last.heading}: {len(more) - room} shots past the {MAX_SHOTS_PER_SCENE} a scene holds were left out"
            )
    board.scenes.extend(scenes)
    board.notes.extend(n for n in read.notes if n not in board.notes)
