"""A script cut into pieces the text engine reads one call at a time (AI parse, seed §6.1).

One call reads a piece and answers with its storyboard as JSON in at most 4,096 tokens; ~12,000
characters of screenplay (about five pages, ~40 shots) is what such an answer holds with room to
spare. Pieces are cut at scene headings; a scene longer than a piece is cut at blank lines (then,
for a paragraph longer than a piece, at a space), and the piece after such a cut knows which
scene it continues, so its shots are put back into that scene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fountain import HEADING_PREFIX

AI_PIECE_CHARS = 12_000
_FORCED_HEADING = re.compile(r"^\.[A-Za-z0-9]")


@dataclass(frozen=True)
class Piece:
    text: str
    continues: str | None = None  # the heading of the scene this piece starts in the middle of


def starts_scene(lines: list[str], i: int) -> bool:
    """Line i is a scene heading: INT./EXT./EST./I/E (or a forced ".HEADING") after a blank line."""
    prev_blank = i == 0 or not lines[i - 1].strip()
    return prev_blank and bool(HEADING_PREFIX.match(lines[i]) or _FORCED_HEADING.match(lines[i]))


def script_pieces(text: str, limit: int = AI_PIECE_CHARS) -> list[Piece]:
    """The script in order, in pieces of at most `limit` characters; nothing but whitespace is lost."""
    lines = text.split("\n")
    scenes: list[tuple[str | None, str]] = []  # (heading, the scene's text from its heading on)
    start = 0
    for i in range(1, len(lines)):
        if starts_scene(lines, i):
            scenes.append((_heading(lines, start), "\n".join(lines[start:i])))
            start = i
    scenes.append((_heading(lines, start), "\n".join(lines[start:])))

    pieces: list[Piece] = []
    text_now, continues = "", None
    for heading, scene in scenes:
        for n, part in enumerate(_cut(scene, limit)):
            if text_now and len(text_now) + 1 + len(part) > limit:
                pieces.append(Piece(text_now, continues))
                text_now, continues = "", (heading if n > 0 else None)
            text_now = f"{text_now}\n{part}" if text_now else part
    if text_now.strip():
        pieces.append(Piece(text_now, continues))
    return [p for p in pieces if p.text.strip()]


def _heading(lines: list[str], i: int) -> str | None:
    return lines[i].strip().lstrip(".") if starts_scene(lines, i) else None


def _cut(scene: str, limit: int) -> list[str]:
    """A scene as parts of at most `limit` characters: whole paragraphs where they fit."""
    if len(scene) <= limit:
        return [scene]
    parts: list[str] = []
    now = ""
    for para in re.split(r"\n[ \t]*\n", scene):
        for chunk in _split_long(para, limit):
            if now and len(now) + 2 + len(chunk) > limit:
                parts.append(now)
                now = ""
            now = f"{now}\n\n{chunk}" if now else chunk
    if now:
        parts.append(now)
    return parts


def _split_long(para: str, limit: int) -> list[str]:
    """A paragraph longer than a piece, cut at the last whitespace before each limit (or at it)."""
    out = []
    while len(para) > limit:
        cut = max(para.rfind(" ", 0, limit), para.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        out.append(para[:cut])
        para = para[cut:].lstrip()
    return [*out, para] if para else out
