"""Shot type of a storyboard shot, from what its text says, on whole words.

The public implementation matched substrings ("hand" in "handsome" made a close-up, "eye" in
"eyebrow" too). Here every cue is a whole word or phrase, and the vocabulary is the one the
draft engines frame with (engines/draft/shots.py).
"""

from __future__ import annotations

import re

from milimo.engines.draft.shots import SHOT_TYPES, find_shot_type, normalise_shot_type

# Words that imply a framing without naming it. First match wins, in this order.
_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("establishing", ("skyline", "landscape", "aerial view", "panorama", "vista", "exterior of")),
    ("insert", ("detail of", "an insert", "the insert", "cutaway")),
    ("close_up", ("eye", "eyes", "fingertips", "lips", "tear", "tears")),
    ("tracking", ("follow", "follows", "following", "chase", "chases", "chasing", "running", "runs", "sprints")),
)
_CUE_RE = tuple((key, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)) for key, words in _CUES)


def infer_shot_type(text: str, *, has_dialogue: bool = False, first_of_many: bool = False) -> str:
    """A key of SHOT_TYPES. Named framing ("wide shot") beats cue words, which beat position."""
    named = find_shot_type(text)
    if named:
        return named
    for key, pattern in _CUE_RE:
        if pattern.search(text):
            return key
    if has_dialogue:
        return "medium"
    return "establishing" if first_of_many else "medium"


def normalise(value: str) -> str:
    """A client's or a model's shot type as a SHOT_TYPES key; unknown values become "medium"."""
    key = normalise_shot_type(value or "")
    return key if key in SHOT_TYPES else "medium"
