"""What the editorial formats need to know about one clip of the cut, in frames at the project rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TRACKS = ("V1", "V2", "A1")  # track_index 0, 1, 2 (docs/web.md: V1 magnetic, V2 overlay, A1 audio)


@dataclass(frozen=True)
class EditClip:
    shot_id: str
    name: str  # readable: what an editor sees in the bin and the EDL's FROM CLIP NAME
    track: str  # "V1" | "V2" | "A1"
    start_frame: int  # on the timeline
    trim_in: int  # first frame of the media that is shown
    length: int  # frames shown (num_frames - trim_in - trim_out)
    media_path: Path | None  # the file the studio serves; None for a shot without media yet
    media_url: str | None  # the URL the studio serves it at (/projects/{id}/...)
    media_kind: str  # "video" | "image" | "audio" | "none"
    media_frames: int | None  # frames the media holds at the project rate; None for stills (any length)
    prompt: str = ""
    seed: int = 0
    engine: str | None = None
    dialogue: str = ""
    character: str = ""
    has_audio: bool = False  # the take carries its own sound (LTX-2's joint audio, an audio upload)
    num_frames: int = 0  # the shot's full length before trims (trim_out = num_frames - trim_in - length)

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.length

    @property
    def trim_out(self) -> int:
        return max(0, self.num_frames - self.trim_in - self.length)


@dataclass(frozen=True)
class EditCut:
    project_id: str
    name: str
    fps: float
    width: int
    height: int
    clips: tuple[EditClip, ...]

    def on(self, track: str) -> list[EditClip]:
        return sorted((c for c in self.clips if c.track == track), key=lambda c: (c.start_frame, c.shot_id))

    @property
    def duration(self) -> int:
        return max((c.end_frame for c in self.clips), default=0)
