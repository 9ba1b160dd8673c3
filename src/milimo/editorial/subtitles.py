"""SRT and WebVTT subtitles from the shots' dialogue, at the clips' positions on the timeline.

Frames are the truth; milliseconds are computed only here, at the edge, from the project rate
(a cue starts at round(start_frame × 1000 / fps) ms), so a cue never drifts off its clip.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start_frame: int  # on the timeline, frames at the project rate
    end_frame: int  # exclusive
    text: str


def _ms(frame: int, fps: float) -> int:
    return round(frame * 1000 / fps)


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _clean(text: str) -> list[str]:
    # A blank line ends a cue in both formats, and "-->" would read as a timing line in WebVTT.
    lines = [line.strip().replace("-->", "->") for line in text.replace("\r", "").split("\n")]
    return [line for line in lines if line]


def ordered(cues: list[Cue]) -> list[Cue]:
    """Cues by start; one that overlaps the next is cut where the next begins (players show one at a time)."""
    cues = sorted((c for c in cues if c.end_frame > c.start_frame and _clean(c.text)), key=lambda c: (c.start_frame, c.end_frame))
    out: list[Cue] = []
    for i, cue in enumerate(cues):
        end = cue.end_frame
        if i + 1 < len(cues) and cues[i + 1].start_frame < end and cues[i + 1].start_frame > cue.start_frame:
            end = cues[i + 1].start_frame
        out.append(Cue(cue.start_frame, end, cue.text))
    return out


def to_srt(cues: list[Cue], fps: float) -> str:
    blocks = []
    for n, cue in enumerate(ordered(cues), 1):
        timing = f"{_stamp(_ms(cue.start_frame, fps), ',')} --> {_stamp(_ms(cue.end_frame, fps), ',')}"
        blocks.append("\n".join([str(n), timing, *_clean(cue.text)]))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def to_vtt(cues: list[Cue], fps: float) -> str:
    blocks = ["WEBVTT"]
    for n, cue in enumerate(ordered(cues), 1):
        timing = f"{_stamp(_ms(cue.start_frame, fps), '.')} --> {_stamp(_ms(cue.end_frame, fps), '.')}"
        blocks.append("\n".join([f"cue-{n}", timing, *_clean(cue.text)]))
    return "\n\n".join(blocks) + "\n"
