"""The film trade's shot-type vocabulary: normalise what a storyboard or a prompt calls a shot.

Matching is on whole words, so "handsome" is not an insert and "eyebrow" is not a close-up.
"""

from __future__ import annotations

import re

SHOT_TYPES: tuple[str, ...] = (
    "extreme_close_up",
    "close_up",
    "medium_close_up",
    "medium",
    "cowboy",
    "wide",
    "establishing",
    "insert",
    "tracking",
    "over_the_shoulder",
    "two_shot",
    "pov",
    "aerial",
)

# Longest phrases first so "medium close up" wins over "close up".
_ALIASES: tuple[tuple[str, str], ...] = (
    ("extreme close up", "extreme_close_up"),
    ("extreme closeup", "extreme_close_up"),
    ("ecu", "extreme_close_up"),
    ("medium close up", "medium_close_up"),
    ("medium closeup", "medium_close_up"),
    ("mcu", "medium_close_up"),
    ("over the shoulder", "over_the_shoulder"),
    ("ots", "over_the_shoulder"),
    ("close up", "close_up"),
    ("closeup", "close_up"),
    ("cu", "close_up"),
    ("two shot", "two_shot"),
    ("2 shot", "two_shot"),
    ("point of view", "pov"),
    ("pov", "pov"),
    ("establishing", "establishing"),
    ("aerial", "aerial"),
    ("drone", "aerial"),
    ("wide shot", "wide"),
    ("wide angle", "wide"),
    ("long shot", "wide"),
    ("full shot", "wide"),
    ("wide", "wide"),
    ("ws", "wide"),
    ("ls", "wide"),
    ("cowboy", "cowboy"),
    ("medium shot", "medium"),
    ("mid shot", "medium"),
    ("medium", "medium"),
    ("ms", "medium"),
    ("insert", "insert"),
    ("cutaway", "insert"),
    ("tracking", "tracking"),
    ("dolly", "tracking"),
    ("follow shot", "tracking"),
    ("steadicam", "tracking"),
)

_PROSE_UNSAFE = frozenset({"wide", "medium", "cowboy", "drone"})

LABELS: dict[str, str] = {
    "extreme_close_up": "EXTREME CLOSE UP",
    "close_up": "CLOSE UP",
    "medium_close_up": "MEDIUM CLOSE UP",
    "medium": "MEDIUM",
    "cowboy": "COWBOY",
    "wide": "WIDE",
    "establishing": "ESTABLISHING",
    "insert": "INSERT",
    "tracking": "TRACKING",
    "over_the_shoulder": "OVER THE SHOULDER",
    "two_shot": "TWO SHOT",
    "pov": "POV",
    "aerial": "AERIAL",
}


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def normalise_shot_type(value: str) -> str:
    """A canonical key from SHOT_TYPES for a storyboard value ("close_up", "Close-Up", "CU"), or ""."""
    words = _words(value.replace("_", " "))
    if words.strip() == "":
        return ""
    for phrase, key in _ALIASES:
        if f" {phrase} " in words:
            return key
    return ""


def find_shot_type(prompt: str) -> str:
    """The shot type a free prompt names ("Shot Type: close_up", "a wide shot of ..."), or "".

    Abbreviations and everyday words ("wide eyes", "medium heat") are only trusted in a storyboard
    field, not in running prose.
    """
    # One scan for every prose-safe phrase; the earliest phrase in _ALIASES among those found wins.
    words = _words(prompt.replace("_", " "))
    found = [_PROSE_ORDER[m.group(1)] for m in _PROSE_RE.finditer(words)]
    return _ALIASES[min(found)][1] if found else ""


_PROSE_ORDER = {
    phrase: i for i, (phrase, _) in enumerate(_ALIASES) if not ((len(phrase) <= 3 and phrase != "pov") or phrase in _PROSE_UNSAFE)
}
# Lookarounds instead of consuming the spaces, so overlapping phrases ("medium close up", "close up") are all seen.
_PROSE_RE = re.compile(r"(?<= )(?=(" + "|".join(re.escape(p) for p in sorted(_PROSE_ORDER, key=len, reverse=True)) + r") )")


def label(shot_type: str) -> str:
    return LABELS.get(shot_type, shot_type.replace("_", " ").upper())
