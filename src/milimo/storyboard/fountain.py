"""Fountain screenplays (https://fountain.io/syntax) -> Storyboard, through fountain-py.

fountain-py 0.3.0 passed our conformance fixtures (tests/storyboard/test_fountain.py): headings
with and without dots, forced headings, scene numbers, cue extensions, forced "@" cues,
parentheticals, dual dialogue, transitions, centered text, lyrics, notes, boneyard, sections,
synopses, page breaks, the title page, and all-caps action ("BOOM.") that is not a cue. It is
wrapped here so nothing else in the studio sees its element types.

One leniency on top of the spec: a line that starts with INT./EXT./EST./I/E and is directly
followed by text (no blank line, which the spec requires) still starts a scene, because that
is how people paste scripts out of e-mails and PDFs. A blank line is inserted after it before
parsing and line numbers are mapped back to the text the user sent.
"""

from __future__ import annotations

import re

from fountain import ElementType, FountainParser

from .model import ParsedScene, ParsedShot, Storyboard

HEADING_PREFIX = re.compile(r"^\s*(INT\.?/EXT|INT/EXT|I/E|INT|EXT|EST)[.\s]", re.I)


def _lenient(lines: list[str]) -> tuple[list[str], list[int]]:
    """Insert the blank line Fountain wants after a heading; return the lines and new→original line numbers."""
    out: list[str] = []
    origin: list[int] = []
    for i, line in enumerate(lines):
        out.append(line)
        origin.append(i + 1)
        before_blank = i == 0 or not lines[i - 1].strip()
        after_text = i + 1 < len(lines) and lines[i + 1].strip()
        if before_blank and after_text and HEADING_PREFIX.match(line) and not line.strip().endswith(":"):
            out.append("")
            origin.append(i + 1)
    return out, origin


def _character(el) -> str:
    ext = el.metadata.get("extension")
    return f"{el.text} ({ext})" if ext else el.text


def _block(character, items, dual: bool) -> ParsedShot:
    dialogue = "\n".join(i.text for i in items)
    end = max([character.line_number, *(i.line_number + i.text.count("\n") for i in items)])
    return ParsedShot(
        kind="dialogue",
        character=_character(character),
        dialogue=dialogue,
        dual=dual,
        line_start=character.line_number,
        line_end=end,
    )


def parse_fountain(text: str) -> Storyboard:
    original = text.split("\n")
    lines, origin = _lenient(original)
    doc = FountainParser().parse("\n".join(lines))

    def at(n: int) -> int:  # parser line (1-based) -> the user's line
        return origin[min(max(n, 1), len(origin)) - 1]

    board = Storyboard(mode="fountain", title_page={k: str(v) for k, v in doc.metadata.items()})
    scenes: list[ParsedScene] = []
    current: ParsedScene | None = None
    pending_synopsis: list[str] = []
    open_block: tuple | None = None  # (character element, [parenthetical/dialogue elements])

    def scene() -> ParsedScene:
        nonlocal current
        if current is None:  # text before the first heading is kept, in a scene without a heading
            current = ParsedScene(heading="")
            scenes.append(current)
        return current

    def close_block() -> None:
        nonlocal open_block
        if open_block is not None:
            scene().shots.append(_block(open_block[0], open_block[1], False))
            open_block = None

    for el in doc.elements:
        kind = el.type
        if kind in (ElementType.PARENTHETICAL, ElementType.DIALOGUE) and open_block is not None:
            open_block[1].append(el)
            continue
        close_block()
        if kind is ElementType.SCENE_HEADING:
            current = ParsedScene(
                heading=el.text.strip(),
                scene_number=str(el.metadata.get("scene_number") or ""),
                forced=bool(el.metadata.get("forced")),
                line_start=el.line_number,
            )
            if pending_synopsis:
                current.synopsis, pending_synopsis = "\n".join(pending_synopsis), []
            scenes.append(current)
        elif kind is ElementType.ACTION:
            scene().shots.append(
                ParsedShot(
                    kind="action", action=el.text, line_start=el.line_number, line_end=el.line_number + el.text.count("\n")
                )
            )
        elif kind is ElementType.CHARACTER:
            open_block = (el, [])
        elif kind is ElementType.DUAL_DIALOGUE:
            m = el.metadata
            scene().shots.append(_block(m["left_character"], m["left_dialogue"], False))
            scene().shots.append(_block(m["right_character"], m["right_dialogue"], True))
        elif kind is ElementType.TRANSITION:
            target = current.shots if current is not None else []
            if target:
                target[-1].transition = el.text.strip()
            else:
                board.notes.append(f"line {at(el.line_number)}: transition {el.text!r} has no shot before it; dropped")
        elif kind is ElementType.CENTERED:
            scene().shots.append(
                ParsedShot(kind="centered", action=el.text.strip(), line_start=el.line_number, line_end=el.line_number)
            )
        elif kind is ElementType.LYRICS:
            shots = scene().shots
            if shots and shots[-1].kind == "lyrics" and shots[-1].line_end == el.line_number - 1:
                shots[-1].dialogue += "\n~" + el.text
                shots[-1].line_end = el.line_number
            else:
                shots.append(
                    ParsedShot(kind="lyrics", dialogue="~" + el.text, line_start=el.line_number, line_end=el.line_number)
                )
        elif kind is ElementType.SYNOPSIS:
            if current is not None and not current.shots:
                current.synopsis = "\n".join(filter(None, [current.synopsis, el.text]))
            else:
                pending_synopsis.append(el.text)
        # Sections, notes, boneyard and page breaks are for the writer, not the camera.
    close_block()

    for s in scenes:
        for shot in s.shots:
            shot.line_start, shot.line_end = at(shot.line_start), at(shot.line_end)
    _scene_ranges(scenes, original, at)
    board.scenes = [s for s in scenes if s.heading or s.shots]
    return board


def _scene_ranges(scenes: list[ParsedScene], original: list[str], at) -> None:
    """Each scene runs from its heading to the line before the next heading, trailing blanks trimmed."""
    for i, s in enumerate(scenes):
        if s.heading:
            s.line_start = at(s.line_start)
        else:
            s.line_start = s.shots[0].line_start if s.shots else 1
        nxt = scenes[i + 1] if i + 1 < len(scenes) else None
        end = (at(nxt.line_start) - 1) if nxt is not None and nxt.heading else len(original)
        while end > s.line_start and not original[end - 1].strip():
            end -= 1
        s.line_end = max(end, s.line_start)
        s.source_text = "\n".join(original[s.line_start - 1 : s.line_end])
