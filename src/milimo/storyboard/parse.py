"""parse_script: any screenplay text -> a Storyboard with shot types, lengths and video prompts.

Deterministic: the same text and grid always give the same storyboard (no counters, no
randomness; the public implementation's global round-robin gave a different parse each time).

`auto` picks the mode by what it sees, and says so in `why`:
1. the text starts with an XML declaration or <FinalDraft> -> fdx;
2. a line starts a scene heading (INT./EXT./EST./INT./EXT./I/E, or a forced ".HEADING"
   after a blank line), or the text opens with a Fountain title page -> fountain;
3. at least 2 numbered lines that make up at least half of the non-blank lines -> numbered;
4. at least 2 character cues (an all-caps line after a blank line, with dialogue under it) -> fountain;
5. otherwise freeform paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from milimo.errors import Invalid, TooLarge

from . import shot_types
from .fdx import parse_fdx
from .fountain import parse_fountain
from .model import ParsedShot, Storyboard
from .pieces import starts_scene
from .plain import NUMBERED, numbered_lines, parse_freeform, parse_numbered
from .prompt import shot_prompt
from .timing import shot_timing

RequestedMode = Literal["auto", "fountain", "fdx", "freeform", "numbered"]
DetectedMode = Literal["fountain", "fdx", "freeform", "numbered"]

MAX_SHOT_CHARS = 4_000  # a longer paragraph is split at sentence ends (a shot's action is at most 20,000)
MAX_SHOTS = 20_000
MAX_SCENES = 5_000


@dataclass(frozen=True)
class Grid:
    """The video engine's frame grid and the project's rate; the caller reads them from the engine."""

    fps: float = 24.0
    frame_step: int = 8
    native_max_frames: int = 505


_TITLE_KEY = re.compile(r"^(title|credit|author|authors|source|draft date|date|contact|copyright|notes)\s*:", re.I)
_CUE = re.compile(r"^\s*(?:@\S.*|[^a-z\n]*[A-Z][^a-z\n]*)$")
# Control characters (C0 and C1, but not tab, newlines, form feed) and U+FFFD (text decoded with the wrong codec).
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def check_text(text: str) -> str:
    """Refuse what is not text (a binary file pasted or opened by mistake); normalise newlines."""
    if not text.strip():
        raise Invalid("script_text is empty; paste a screenplay, a story in paragraphs or a numbered shot list")
    sample = text[:200_000]
    bad = len(_BINARY.findall(sample))
    if "\x00" in sample or bad > max(8, len(sample) // 100):
        raise Invalid(
            "script_text is not text (it holds binary control characters); open a .fountain, .fdx or "
            ".txt file, or paste the script itself"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def detect_mode(text: str) -> tuple[DetectedMode, str]:
    """(mode, why) for `auto`."""
    head = text.lstrip()[:200]
    if head.startswith("<?xml") or head.startswith("<FinalDraft"):
        return "fdx", "the text is XML (a Final Draft .fdx file)"
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if starts_scene(lines, i):
            return "fountain", f"line {i + 1} is a scene heading ({line.strip()[:60]!r})"
    if _TITLE_KEY.match(head):
        return "fountain", "the text opens with a Fountain title page"
    nonblank = [ln for ln in lines if ln.strip()]
    numbered = numbered_lines(lines)
    if numbered >= 2 and numbered * 2 >= len(nonblank):
        return "numbered", f"{numbered} of {len(nonblank)} lines are numbered shots"
    cues = sum(
        1
        for i, line in enumerate(lines[:-1])
        if (i == 0 or not lines[i - 1].strip())
        and lines[i + 1].strip()
        and _CUE.match(line)
        and len(line.strip()) <= 40
        and not NUMBERED.match(line)
    )
    if cues >= 2:
        return "fountain", f"{cues} character cues with dialogue under them"
    return "freeform", "no scene headings, numbered shots or character cues: each paragraph is a shot"


def _split_long(shot: ParsedShot) -> list[ParsedShot]:
    field = "dialogue" if shot.kind in ("dialogue", "lyrics") else "action"
    text = getattr(shot, field)
    if len(text) <= MAX_SHOT_CHARS:
        return [shot]
    pieces, buf = [], ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        while len(sentence) > MAX_SHOT_CHARS:  # a "sentence" with no end (a wall of text): cut it
            pieces.append((buf + " " + sentence[:MAX_SHOT_CHARS]).strip() if buf else sentence[:MAX_SHOT_CHARS])
            buf, sentence = "", sentence[MAX_SHOT_CHARS:]
        if buf and len(buf) + 1 + len(sentence) > MAX_SHOT_CHARS:
            pieces.append(buf)
            buf = sentence
        else:
            buf = f"{buf} {sentence}" if buf else sentence
    if buf:
        pieces.append(buf)
    return [
        ParsedShot(**{**shot.__dict__, field: p, "transition": shot.transition if i == len(pieces) - 1 else ""})
        for i, p in enumerate(pieces)
    ]


def finish_shot(shot: ParsedShot, heading: str, grid: Grid, *, first_of_many: bool = False, keep_type: bool = False) -> None:
    """Fill in what follows from the content: shot type (unless given), length on the grid, video prompt."""
    if not keep_type or not shot.shot_type:
        text = shot.action if shot.kind != "dialogue" else f"{shot.action} {shot.dialogue}"
        shot.shot_type = shot_types.infer_shot_type(text, has_dialogue=shot.kind == "dialogue", first_of_many=first_of_many)
    else:
        shot.shot_type = shot_types.normalise(shot.shot_type)
    timing = shot_timing(
        shot.action, shot.dialogue, fps=grid.fps, frame_step=grid.frame_step, native_max_frames=grid.native_max_frames
    )
    shot.num_frames, shot.seconds_needed, shot.clamped = timing.num_frames, timing.seconds_needed, timing.clamped
    shot.prompt = shot_prompt(heading, shot.shot_type, shot.action, shot.character, shot.dialogue, shot.kind)


def parse_script(text: str, mode: RequestedMode = "auto", grid: Grid = Grid()) -> Storyboard:
    text = check_text(text)
    why = f"{mode} was asked for"
    if mode == "auto":
        mode, why = detect_mode(text)
    parser = {"fountain": parse_fountain, "fdx": parse_fdx, "freeform": parse_freeform, "numbered": parse_numbered}[mode]
    board = parser(text)
    board.why = why if board.mode == mode else f"{why}; {board.notes[-1] if board.notes else ''}".rstrip("; ")
    clamped = 0
    for scene in board.scenes:
        scene.shots = [piece for shot in scene.shots for piece in _split_long(shot)]
        many = len(scene.shots) > 2
        for i, shot in enumerate(scene.shots):
            finish_shot(shot, scene.heading, grid, first_of_many=many and i == 0 and shot.kind == "action")
            clamped += shot.clamped
    if clamped:
        board.notes.append(
            f"{clamped} shot(s) need more than the engine's {grid.native_max_frames} frames in one "
            "take; they were set to the maximum (make them longer to generate them chained, or split them)"
        )
    if not board.scenes:
        board.notes.append("no scenes or shots were found" + (" (only a title page)" if board.title_page else ""))
    if len(board.scenes) > MAX_SCENES or len(board.shots()) > MAX_SHOTS:
        raise TooLarge(
            f"the script makes {len(board.scenes)} scenes and {len(board.shots())} shots; a storyboard holds "
            f"at most {MAX_SCENES} scenes and {MAX_SHOTS} shots; split the script into several projects"
        )
    return board
