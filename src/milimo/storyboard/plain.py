"""The plain modes people paste: free paragraphs, and numbered shot lists.

Freeform: each paragraph (blank-line separated) is a shot, whitespace collapsed; a paragraph
written "NAME: words" is that character's dialogue. Numbered: every "1." / "2)" / "Shot 3:" /
"#4 -" line starts a shot and the unnumbered lines after it continue it; lines before the
first number are shots of their own. Both give one scene without a heading.
"""

from __future__ import annotations

import re

from milimo.engines.draft.shots import normalise_shot_type

from .model import ParsedScene, ParsedShot, Storyboard

NUMBERED = re.compile(r"^\s*(?:shot\s+)?#?(\d{1,4})\s*[.):\-–]\s*(\S.*)$", re.I)
SPEAKER = re.compile(r"^([A-Z][A-Za-z0-9 .'’-]{0,30}):\s+(\S.*)$", re.S)


def _paragraphs(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line, last line, text) of each blank-line separated paragraph; lines are 1-based."""
    out: list[tuple[int, int, str]] = []
    buf: list[str] = []
    start = 0
    for i, line in enumerate(lines, 1):
        if line.strip():
            if not buf:
                start = i
            buf.append(line.strip())
        elif buf:
            out.append((start, i - 1, " ".join(buf)))
            buf = []
    if buf:
        out.append((start, len(lines), " ".join(buf)))
    return out


def _shot(text: str, first: int, last: int) -> ParsedShot:
    text = " ".join(text.split())
    m = SPEAKER.match(text)
    # "Wide shot: ..." and "Scene 2: ..." are labels, not a character speaking.
    if m and not m.group(1).lower().startswith(("shot", "scene", "note")) and not normalise_shot_type(m.group(1)):
        return ParsedShot(
            kind="dialogue", character=m.group(1).strip(), dialogue=m.group(2).strip(), line_start=first, line_end=last
        )
    return ParsedShot(kind="action", action=text, line_start=first, line_end=last)


def _one_scene(board: Storyboard, lines: list[str], shots: list[ParsedShot]) -> Storyboard:
    if shots:
        scene = ParsedScene(heading="", shots=shots, line_start=shots[0].line_start, line_end=shots[-1].line_end)
        scene.source_text = "\n".join(lines[scene.line_start - 1 : scene.line_end])
        board.scenes = [scene]
    return board


def parse_freeform(text: str) -> Storyboard:
    lines = text.split("\n")
    shots = [_shot(t, a, b) for a, b, t in _paragraphs(lines)]
    return _one_scene(Storyboard(mode="freeform"), lines, shots)


def numbered_lines(lines: list[str]) -> int:
    return sum(1 for ln in lines if NUMBERED.match(ln))


def parse_numbered(text: str) -> Storyboard:
    lines = text.split("\n")
    shots: list[ParsedShot] = []
    open_shot: list | None = None  # [first line, last line, [texts]]
    loose: set[int] = set()  # unnumbered lines before the first number

    def close() -> None:
        nonlocal open_shot
        if open_shot is not None:
            shots.append(_shot(" ".join(open_shot[2]), open_shot[0], open_shot[1]))
            open_shot = None

    for i, line in enumerate(lines, 1):
        m = NUMBERED.match(line)
        if m:
            close()
            open_shot = [i, i, [m.group(2).strip()]]
        elif line.strip():
            if open_shot is None:
                loose.add(i)
            else:
                open_shot[1] = i
                open_shot[2].append(line.strip())
    close()
    if not shots:
        board = parse_freeform(text)
        board.notes.append("no numbered lines were found; parsed as free paragraphs")
        return board
    lead = [_shot(t, a, b) for a, b, t in _paragraphs([ln if i in loose else "" for i, ln in enumerate(lines, 1)])]
    return _one_scene(Storyboard(mode="numbered"), lines, lead + shots)
