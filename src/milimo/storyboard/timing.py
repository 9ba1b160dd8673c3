"""How long a shot should be, from its content, on the video engine's frame grid.

Dialogue is timed at a speaking rate plus a beat, so the clip is long enough for the joint
audio to speak the line; action is timed by its length at the screenplay convention of about
a page a minute. Seconds exist only here, at the edge; the result is an integer frame count.

- SPEAKING_RATE_WPS = 2.5 words per second (150 words a minute, a calm screen delivery);
  parentheticals are direction, not speech, and are not counted.
- DIALOGUE_BEAT_S = 1.0 s around the line (a breath before, a reaction after).
- ACTION_RATE_WPS = 3.0 words per second of described action (a page of ~180 action words
  plays about a minute), at least ACTION_MIN_S = 2.0 s.
- MIN_SHOT_S = 1.0 s floor for anything.

The count is rounded *up* onto the grid (frame_step * k + 1), so a line is never cut short,
then clamped to the engine's native maximum; a shot that needed more says so (`clamped`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SPEAKING_RATE_WPS = 2.5
DIALOGUE_BEAT_S = 1.0
ACTION_RATE_WPS = 3.0
ACTION_MIN_S = 2.0
MIN_SHOT_S = 1.0

_WORD = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class Timing:
    num_frames: int
    seconds_needed: float
    clamped: bool


def spoken_words(dialogue: str) -> int:
    """Words that are spoken: parenthetical lines and lyric markers are not speech to time."""
    lines = [ln.lstrip("~").strip() for ln in dialogue.splitlines()]
    return sum(len(_WORD.findall(ln)) for ln in lines if ln and not (ln.startswith("(") and ln.endswith(")")))


def seconds_for(action: str, dialogue: str) -> float:
    if dialogue.strip():
        speech = spoken_words(dialogue) / SPEAKING_RATE_WPS + DIALOGUE_BEAT_S
        return max(MIN_SHOT_S, speech)
    words = len(_WORD.findall(action))
    return max(MIN_SHOT_S, ACTION_MIN_S, words / ACTION_RATE_WPS)


def grid_ceil(frames: int, frame_step: int) -> int:
    """Smallest frame_step * k + 1 that is >= frames (frame_step 1: any count)."""
    if frame_step <= 1:
        return max(1, frames)
    k = max(1, math.ceil((frames - 1) / frame_step))
    return k * frame_step + 1


def grid_floor(frames: int, frame_step: int) -> int:
    if frame_step <= 1:
        return max(1, frames)
    return max(1, (frames - 1) // frame_step) * frame_step + 1


def shot_timing(action: str, dialogue: str, *, fps: float, frame_step: int, native_max_frames: int) -> Timing:
    """Default num_frames of a shot: its content's duration at `fps`, up onto the grid, clamped to the maximum."""
    seconds = seconds_for(action, dialogue)
    wanted = grid_ceil(math.ceil(seconds * fps), frame_step)
    ceiling = grid_floor(native_max_frames, frame_step)
    return Timing(min(wanted, ceiling), round(seconds, 2), wanted > ceiling)
