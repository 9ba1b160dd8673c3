"""The storyboard as parsed from a screenplay: scenes of shots, independent of the file format.

Every parser (Fountain, FDX, free paragraphs, numbered lists) produces these; the exporters
read them; the commit turns them into Scene and Shot rows. Line numbers are 1-based and refer
to the text the user sent (for FDX, to the lines of the XML).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ShotKind = Literal["action", "dialogue", "lyrics", "centered"]
ParseMode = Literal["fountain", "fdx", "freeform", "numbered"]


@dataclass
class ParsedShot:
    """One action paragraph or one dialogue block.

    `dialogue` keeps parenthetical lines ("(to herself)") on their own lines, as written, so an
    export gives them back; `character` is the cue as written without Fountain's markers
    ("TOM (V.O.)", not "@TOM" or "TOM ^").
    """

    kind: ShotKind
    action: str = ""
    dialogue: str = ""
    character: str = ""
    shot_type: str = ""
    dual: bool = False  # the second cue of a dual-dialogue pair ("^")
    transition: str = ""  # the transition written after this shot ("CUT TO:"): the cut into the next one
    line_start: int = 0
    line_end: int = 0
    id: str | None = None  # an existing shot's id when the parse recognised it (stable through edits)
    num_frames: int = 0
    prompt: str = ""
    seconds_needed: float = 0.0  # what the content asks for before the clamp to the engine's maximum
    clamped: bool = False


@dataclass
class ParsedScene:
    heading: str  # "" for the text before the first scene heading (or a script without headings)
    shots: list[ParsedShot] = field(default_factory=list)
    scene_number: str = ""  # Fountain "#1A#", FDX Number="1A"
    forced: bool = False  # written with a leading "." (a heading that does not start with INT/EXT)
    synopsis: str = ""  # "= ..." lines and sections just above or inside the scene
    source_text: str = ""
    line_start: int = 0
    line_end: int = 0
    id: str | None = None


@dataclass
class Storyboard:
    mode: ParseMode
    scenes: list[ParsedScene] = field(default_factory=list)
    title_page: dict[str, str] = field(default_factory=dict)
    why: str = ""  # how the mode was chosen (auto detection says what it saw)
    notes: list[str] = field(default_factory=list)  # what a user should know (e.g. a long line clamped)

    def shots(self) -> list[ParsedShot]:
        return [s for scene in self.scenes for s in scene.shots]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
