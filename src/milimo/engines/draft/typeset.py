"""Typesetting any script on the draft cards: per-glyph font fallback, Arabic/Hebrew shaped right to left.

The fonts ship with the package (milimo/assets/fonts, OFL): Noto Sans, Noto Sans Arabic, Noto Sans
Hebrew, a Noto Sans CJK JP subset and the monochrome Noto Emoji. A line is cut into runs, each set
in the first font whose cmap has its characters (a run keeps its font while the font covers the next
character, so spaces and punctuation stay inside an Arabic or Japanese run). The line's visual order
follows the Unicode bidi algorithm for the cases a caption meets (`bidi_levels`: strong letters,
numbers set left to right, neutrals taking the direction around them or the paragraph's, rule L2
reordering); right-to-left runs are shaped by raqm with direction "rtl" (joining, mirroring). The cmaps are read once from `coverage.json`
(written from the fonts with fontTools; tests/engines/draft/test_typeset.py checks it against them).
"""

from __future__ import annotations

import bisect
import json
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import ImageDraw, ImageFont, features

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FONT_FILES = (
    "NotoSans-Regular.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansCJKjp-Subset.otf",
    "NotoEmoji-Regular.ttf",
)
RAQM = features.check("raqm")
_STICKY = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}  # ZWJ, variation selectors, keycap: belong to the glyph before them


@lru_cache(maxsize=1)
def coverage() -> tuple[tuple[list[int], list[int]], ...]:
    """Per font file (FONT_FILES order): sorted range starts and ends of the code points its cmap maps."""
    data = json.loads((FONT_DIR / "coverage.json").read_text())
    out = []
    for name in FONT_FILES:
        ranges = data[name]
        out.append(([r[0] for r in ranges], [r[1] for r in ranges]))
    return tuple(out)


def covers(index: int, ch: str) -> bool:
    starts, ends = coverage()[index]
    cp = ord(ch)
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]


def face_for(ch: str, current: int | None = None) -> int:
    """The font index that draws `ch`: the current run's font when it can, else the first that covers it."""
    if ch.isspace():
        return 0  # spaces from Noto Sans: the emoji font's space is a full em wide
    if current is not None and (covers(current, ch) or ord(ch) in _STICKY or unicodedata.combining(ch)):
        return current
    for i in range(len(FONT_FILES)):
        if covers(i, ch):
            return i
    return current if current is not None else 0  # nothing has it: Noto Sans draws its .notdef


def is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def base_rtl(text: str) -> bool:
    """The paragraph direction: that of its first strong letter (Unicode bidi rule P2)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def bidi_levels(text: str, rtl_base: bool) -> list[int]:
    """Embedding levels: 0/2 left to right, 1 right to left (a subset of UAX #9 without explicit embeddings)."""
    strong: list[str | None] = []
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "NSM":  # a mark takes the type of its base (W1)
            strong.append(strong[-1] if strong else None)
        elif kind in ("R", "AL"):
            strong.append("R")
        elif kind in ("L", "EN", "AN"):  # numbers read left to right inside any paragraph
            strong.append("L")
        else:
            strong.append(None)
    base = "R" if rtl_base else "L"
    resolved = list(strong)
    i = 0
    while i < len(resolved):  # neutrals between the same direction take it, else the paragraph's (N1, N2)
        if resolved[i] is not None:
            i += 1
            continue
        j = i
        while j < len(resolved) and resolved[j] is None:
            j += 1
        before = resolved[i - 1] if i > 0 else base
        after = resolved[j] if j < len(resolved) else base
        for k in range(i, j):
            resolved[k] = before if before == after else base
        i = j
    return [1 if d == "R" else (2 if rtl_base else 0) for d in resolved]


def visual_order(levels: list[int]) -> list[int]:
    """Logical indices in display order (rule L2: reverse every run at each level from the highest to 1)."""
    order = list(range(len(levels)))
    top = max(levels, default=0)
    for level in range(top, 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


_faces = threading.local()  # FreeType faces are not safe to share across threads


def _face(index: int, size: int) -> ImageFont.FreeTypeFont:
    cache = _faces.__dict__.setdefault("cache", {})
    key = (index, size)
    if key not in cache:
        engine = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
        cache[key] = ImageFont.truetype(str(FONT_DIR / FONT_FILES[index]), size, layout_engine=engine)
    return cache[key]


class FontStack:
    """The card fonts at one size, used where a single Pillow font was: getlength, getmetrics, size, draw."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.primary = _face(0, size)

    def face(self, index: int) -> ImageFont.FreeTypeFont:
        return _face(index, self.size)

    def fonts(self, text: str) -> list[int]:
        """The font index of every character, in logical order."""
        out: list[int] = []
        current: int | None = None
        for ch in text:
            current = face_for(ch, current)
            out.append(current)
        return out

    def runs(self, text: str) -> list[tuple[int, str, bool]]:
        """(font index, text in logical order, right to left) in display order, left to right on the line."""
        if not text:
            return []
        faces = self.fonts(text)
        levels = bidi_levels(text, base_rtl(text))
        out: list[tuple[int, str, bool]] = []
        key = None
        chunk: list[int] = []
        for idx in visual_order(levels):
            k = (faces[idx], levels[idx] % 2 == 1)
            if k != key and chunk:
                out.append(self._run(text, chunk, key))  # type: ignore[arg-type]
                chunk = []
            key = k
            chunk.append(idx)
        out.append(self._run(text, chunk, key))  # type: ignore[arg-type]
        return out

    @staticmethod
    def _run(text: str, visual: list[int], key: tuple[int, bool]) -> tuple[int, str, bool]:
        face, rtl = key
        logical = sorted(visual)  # raqm wants the characters in logical order and lays them out itself
        return face, "".join(text[i] for i in logical), rtl

    def _run_length(self, index: int, text: str, rtl: bool) -> float:
        kw: dict[str, Any] = {"direction": "rtl" if rtl else "ltr"} if RAQM else {}
        return self.face(index).getlength(text, **kw)

    def getlength(self, text: str) -> float:
        return sum(self._run_length(i, t, r) for i, t, r in self.runs(text))

    def getmetrics(self) -> tuple[int, int]:
        return self.primary.getmetrics()

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        fill: Any,
        stroke_width: int = 0,
        stroke_fill: Any = None,
    ) -> None:
        """Set one line with its top-left at xy (as ImageDraw.text does), every run on the primary baseline."""
        runs = self.runs(text)
        x, y = xy
        baseline = y + self.primary.getmetrics()[0]
        for index, chunk, rtl in runs:
            kw: dict[str, Any] = {"direction": "rtl" if rtl else "ltr"} if RAQM else {}
            draw.text(
                (x, baseline),
                chunk,
                font=self.face(index),
                fill=fill,
                anchor="ls",
                stroke_width=stroke_width,
                stroke_fill=stroke_fill,
                **kw,
            )
            x += self._run_length(index, chunk, rtl)


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Any,
    fill: Any,
    stroke_width: int = 0,
    stroke_fill: Any = None,
) -> None:
    """ImageDraw.text for a FontStack (any script) or a plain Pillow font."""
    if isinstance(font, FontStack):
        font.draw(draw, xy, text, fill, stroke_width, stroke_fill)
    else:
        draw.text(xy, text, font=font, fill=fill, stroke_width=stroke_width, stroke_fill=stroke_fill)
