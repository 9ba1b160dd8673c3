"""A storyboard back out as Fountain. What the parser reads back is what was written.

Markers are added only where the text would otherwise read as something else: "!" before an
action paragraph whose first line is all capitals (it could be a cue), "@" before a cue that
is not all capitals, "." before a heading that does not start with INT/EXT, ">" before a
transition that does not end in "TO:".
"""

from __future__ import annotations

import re

from .fountain import HEADING_PREFIX
from .model import ParsedShot, Storyboard

_TITLE_ORDER = ("title", "credit", "author", "authors", "source", "draft date", "date", "contact", "notes", "copyright")


def _title_key(key: str) -> str:
    return " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(key.split()))


def _title_page(page: dict[str, str]) -> list[str]:
    keys = [k for k in _TITLE_ORDER if k in page] + [k for k in page if k not in _TITLE_ORDER]
    out = []
    for key in keys:
        value = (page[key] or "").strip()
        if not value:
            continue
        if "\n" in value:
            out.append(f"{_title_key(key)}:")
            out.extend(f"    {line.strip()}" for line in value.splitlines() if line.strip())
        else:
            out.append(f"{_title_key(key)}: {value}")
    return out


def _looks_like_cue(line: str) -> bool:
    return bool(re.search(r"[A-Za-z]", line)) and line == line.upper()


def _action(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.strip().splitlines()] or [""]
    first = lines[0]
    if (
        _looks_like_cue(first)
        or HEADING_PREFIX.match(first)
        or first.startswith((".", ">", "@", "~", "=", "#", "[[", "/*"))
        or first.rstrip().endswith("TO:")
    ):
        lines[0] = "!" + first
    return lines


def _cue(shot: ParsedShot) -> str:
    name = shot.character.strip() or "VOICE"
    bare = re.sub(r"\s*\([^)]*\)", "", name)
    if not _looks_like_cue(bare):
        name = "@" + name
    return name + (" ^" if shot.dual else "")


def _heading(heading: str, number: str, forced: bool) -> str:
    line = heading.strip()
    if forced or not HEADING_PREFIX.match(line + " "):
        line = "." + line
    return f"{line} #{number}#" if number else line


def write_fountain(board: Storyboard) -> str:
    blocks: list[list[str]] = []
    if board.title_page:
        page = _title_page(board.title_page)
        if page:
            blocks.append(page)
    for scene in board.scenes:
        if scene.heading:
            blocks.append([_heading(scene.heading, scene.scene_number, scene.forced)])
        if scene.synopsis:
            blocks.append([f"= {line.strip()}" for line in scene.synopsis.splitlines() if line.strip()])
        for shot in scene.shots:
            if shot.kind == "dialogue":
                lines = [_cue(shot)] + [ln.strip() for ln in shot.dialogue.splitlines() if ln.strip()]
                blocks.append(lines)
            elif shot.kind == "lyrics":
                blocks.append(["~" + ln.lstrip("~").strip() for ln in shot.dialogue.splitlines() if ln.strip()])
            elif shot.kind == "centered":
                blocks.append([f">{shot.action.strip()}<"])
            else:
                blocks.append(_action(shot.action))
            if shot.transition:
                t = shot.transition.strip()
                blocks.append([t if t.endswith("TO:") and t == t.upper() else f"> {t}"])
    return "\n\n".join("\n".join(b) for b in blocks) + "\n"
