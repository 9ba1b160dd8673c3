"""DraftTextEngine: a rule-based prompt enhancer, and an honest "no" to screenplay analysis.

Video mode writes one flowing present-progressive paragraph in the order LTX-2 prompts read
best: the user's action (re-conjugated when the rule is sure), its movement, the subject, the
setting, the camera that the shot type implies (never a move the prompt does not imply), the
lighting, and a soundscape sentence. The length follows the clip: up to 6 s 2–3 sentences, up
to 12 s 3–5, longer 4–8; the user's own sentences are always kept, even past the budget. With a
conditioning image only changes are described (no subject, setting or lighting: the image has
them). Image mode writes 2–4 sentences of visual detail.

`is_reference_only` (the image is a character sheet, not a first frame) is a simple, honest
heuristic: more than half the image is near-white, the border is almost all near-white, and the
non-white content splits into three or more figures separated by white gaps (a turnaround), or
into a grid of at least two by two (a collage). Photos, concept art and single portraits fail it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from PIL import Image

from ..protocols import EngineUnavailable, Enhancement
from . import prompt_rules as rules
from .base import DraftEngine
from .drawing import rng
from .shots import find_shot_type, normalise_shot_type

_HEADING = re.compile(r"^\s*((?:INT\./EXT\.|INT/EXT|I/E|INT\.|EXT\.)\s*[^.]+?)\s*(?:\.\s+|\.?$)", re.I)
_LABEL = re.compile(r"\b(Shot Type|Character|Dialogue|Context|Setting):\s*", re.I)
_PLACES = re.compile(
    r"\b(kitchen|street|alley|forest|beach|office|bar|cafe|diner|apartment|bedroom|car|station|rooftop|desert|field|church|warehouse)\b",
    re.I,
)
_ABBREV = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Jr|Sr|vs)\.$")


@dataclass
class Parsed:
    heading: str = ""
    shot: str = ""
    character: str = ""
    dialogue: str = ""
    sentences: list[str] = field(default_factory=list)  # the user's action, in order


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text.strip())
    out: list[str] = []
    for p in parts:
        if out and _ABBREV.search(out[-1]):
            out[-1] += " " + p
        elif p.strip():
            out.append(p.strip())
    return [s if s[-1] in ".!?\"'" else s + "." for s in out]


def parse(prompt: str) -> Parsed:
    """Split the storyboard recipe ("INT. X - NIGHT. Shot Type: close_up. Character: … . action") from free text."""
    p = Parsed()
    text = " ".join(prompt.split())
    m = _HEADING.match(text)
    if m:
        p.heading, text = m.group(1).strip(), text[m.end() :]
    chunks = _LABEL.split(text)
    free = [chunks[0]]
    for name, value in zip(chunks[1::2], chunks[2::2]):
        key = name.lower()
        quoted = re.match(r'\s*"([^"]*)"\.?\s*(.*)$', value) if key == "dialogue" else None
        head, rest = quoted.groups() if quoted else (value.partition(". ")[0], value.partition(". ")[2])
        head = head.strip().rstrip(".")
        if key == "shot type":
            p.shot = normalise_shot_type(head)
        elif key == "character":
            p.character = head
        elif key == "dialogue":
            p.dialogue = head.strip().strip('"')
        elif key == "context":
            free.append(re.sub(r"^following shot where\s+", "Following a moment where ", head, flags=re.I) + ".")
        else:
            free.append(f"{name}: {head}.")
        free.append(rest)
    p.sentences = _sentences(" ".join(s for s in free if s.strip()))
    if not p.shot:
        p.shot = find_shot_type(prompt)
    return p


def _pick(seed: int, kind: str, *options: str) -> str:
    return rng(seed, f"enhance:{kind}").choice(options)


def _subject_sentence(sentence: str, verb: str) -> str:
    """ "The woman in a red coat stays the clear focus of the frame" from the words before the verb."""
    m = re.match(r"^(.*?)\s+(is|are)\s+\w+ing\b", sentence) if verb else None
    if not m or len(m.group(1).split()) > 8:
        return ""
    subject = re.sub(r"^(A|An)\s+", "The ", m.group(1).strip(), flags=re.I)
    return f"{subject} {'stay' if m.group(2) == 'are' else 'stays'} the clear focus of the frame"


def _movement(verb: str, cue_text: str, seed: int) -> str:
    if verb in rules.LOCOMOTION:
        pace = "quick, urgent" if verb in rules.FAST else "slow, careful" if verb in rules.SLOW else "steady, natural"
        return _pick(
            seed, "move", f"Each step lands with a {pace} rhythm", f"The body moves through the space with a {pace} rhythm"
        )
    if verb in rules.VEHICLE:
        return "The motion stays smooth and continuous along its path"
    if verb in rules.NATURE:
        return "The movement is continuous and organic, rising and settling in a natural rhythm"
    if verb:
        return f"The {rules.ing_form(verb)} unfolds as one continuous, deliberate motion"
    if re.search(r"\b(rain|snow|wind|smoke|fog|mist|waves|leaves)\b", cue_text, re.I):
        return "Subtle natural motion keeps the moment alive in the air and on the surfaces"
    return "Subtle, natural motion keeps the moment alive"


_TIMES = {
    "night": "at night",
    "day": "by day",
    "dawn": "at dawn",
    "dusk": "at dusk",
    "morning": "in the morning",
    "evening": "in the evening",
    "afternoon": "in the afternoon",
    "sunset": "at sunset",
    "sunrise": "at sunrise",
}


def _setting(p: Parsed, cue_text: str) -> str:
    place, when = "", ""
    if p.heading:
        body = re.sub(r"^(INT\./EXT\.|INT/EXT|I/E|INT\.|EXT\.)\s*", "", p.heading, flags=re.I)
        parts = re.split(r"\s+[-–—]\s+", body, maxsplit=1)
        place = parts[0].strip().lower()
        time = parts[1].strip().lower() if len(parts) > 1 else ""
        when = f", {_TIMES[time]}" if time in _TIMES else ""
    if not place:
        m = _PLACES.search(cue_text)
        place = m.group(1).lower() if m else ""
    return f"The {place} around the action stays consistent and grounded{when}" if place else ""


def _light_and_sound(p: Parsed, cue_text: str) -> tuple[str, list[str]]:
    light = ""
    sounds: list[str] = []
    for pattern, lit, snd in rules.CUES:
        if re.search(pattern, cue_text, re.I):
            light = light or lit
            if snd and snd not in sounds and len(sounds) < 2:
                sounds.append(snd)
    interior = p.heading.upper().startswith("INT")
    if not light:
        light = (
            "Soft practical light fills the interior with gentle contrast"
            if interior
            else ("Soft, natural light gives the scene gentle contrast")
        )
    if not sounds:
        sounds = ["a quiet room tone" if interior else "a soft, natural ambience"]
    return light, sounds


def looks_like_reference_sheet(image: Image.Image) -> bool:
    """The module docstring's heuristic: a white sheet holding three or more separate figures, or a grid."""
    im = image.convert("RGB")
    scale = 160 / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    a = np.asarray(im.resize(size, Image.Resampling.BILINEAR)).astype(np.int16)
    white = (a.min(axis=2) >= 220) & (a.max(axis=2) - a.min(axis=2) <= 24)
    border = np.concatenate([white[0], white[-1], white[:, 0], white[:, -1]])
    if white.mean() < 0.5 or border.mean() < 0.9:
        return False
    fg = ~white

    def runs(profile: np.ndarray, length: int) -> int:
        filled = profile > 0.02
        count, run, gap = 0, 0, length  # a figure needs >= 4 % of the side; gaps >= 2 % separate figures
        for v in filled:
            if v:
                run, gap = run + 1, 0
            else:
                if run >= length * 0.04:
                    count += 1
                run, gap = 0, gap + 1
        return count + (run >= length * 0.04)

    across = runs(fg.mean(axis=0), fg.shape[1])
    down = runs(fg.mean(axis=1), fg.shape[0])
    return across >= 3 or (across >= 2 and down >= 2)


class DraftTextEngine(DraftEngine):
    kind = "rule-based prompt enhancer"
    details = {"screenplay_analysis": False}

    def chat(self, system: str, user: str, *, max_new_tokens: int = 1024, seed: int = 42) -> str:
        raise EngineUnavailable(
            "The draft text engine cannot analyse screenplays; the regex screenplay parser is used instead. "
            "Configure Gemma or Ollama for AI script analysis."
        )

    def enhance(
        self,
        prompt: str,
        *,
        mode: Literal["video", "image"],
        image: Image.Image | None = None,
        duration_s: float = 5.0,
        seed: int = 42,
    ) -> Enhancement:
        if not prompt.strip():
            return Enhancement(prompt=prompt, note="Nothing to enhance: the prompt is empty.")
        try:
            reference_only = image is not None and looks_like_reference_sheet(image)
            has_frame = image is not None and not reference_only
            if mode == "image":
                text = _image_prompt(parse(prompt), prompt, seed)
            else:
                text = _video_prompt(parse(prompt), prompt, has_frame, duration_s, seed)
        except Exception as exc:  # the contract: enhancement never fails a job
            return Enhancement(prompt=prompt, note=f"Draft enhancer kept the original prompt ({exc}).")
        note = "Rule-based draft enhancement."
        if reference_only:
            note += " Reference sheet detected: the image is a reference, not a first frame."
        elif has_frame:
            note += " Image-to-video: only changes are described."
        return Enhancement(prompt=text, is_reference_only=reference_only, note=note)


def _tier(duration_s: float) -> tuple[int, int]:
    if duration_s <= 6:
        return 2, 3
    if duration_s <= 12:
        return 3, 5
    return 4, 8


def _video_prompt(p: Parsed, prompt: str, has_frame: bool, duration_s: float, seed: int) -> str:
    user: list[str] = []
    verb = subject = ""
    for s in p.sentences:
        converted, base = rules.progressive(s)
        if base and not verb:
            verb, subject = base, _subject_sentence(converted, base)
        user.append(converted[0].upper() + converted[1:])
    if p.dialogue:
        line = p.dialogue if p.dialogue[-1] in ".!?…" else p.dialogue + "."
        user.append(f'{p.character or "A voice"} says, "{line}"')
    cue_text = f"{p.heading} {prompt}"
    light, sounds = _light_and_sound(p, cue_text)
    extras = {
        "movement": _movement(verb, cue_text, seed),
        "subject": "" if has_frame else subject,
        "setting": "" if has_frame else _setting(p, cue_text),
        "camera": "" if rules.CAMERA_WORDS.search(prompt) else rules.CAMERA.get(p.shot, ""),
        "lighting": "" if has_frame else light,
    }
    _lo, hi = _tier(duration_s)
    # A scene heading is the user's own words: its setting sentence is kept like the action.
    required = ["setting"] if p.heading and extras["setting"] else []
    budget = max(0, hi - len(user) - len(required) - 1)
    chosen = (
        required
        + [k for k in ("camera", "movement", "lighting", "setting", "subject") if extras[k] and k not in required][:budget]
    )
    body = [extras[k] + "." for k in ("movement", "subject", "setting", "camera", "lighting") if k in chosen]
    ambient = " and ".join(sounds)
    sound = _pick(seed, "sound", f"The soundscape carries {ambient}", f"Underneath, the soundscape holds {ambient}")
    if p.dialogue:
        sound += ", under the spoken line"
    return " ".join([*user, *body, sound + "."])


def _image_prompt(p: Parsed, prompt: str, seed: int) -> str:
    user = [s[0].upper() + s[1:] for s in p.sentences] or [prompt.strip()]
    light, _ = _light_and_sound(p, f"{p.heading} {prompt}")
    extra = [
        rules.CAMERA.get(p.shot, ""),
        light,
        _pick(
            seed,
            "detail",
            "Fine textures, natural materials and a restrained colour palette give the image depth",
            "Crisp detail, tactile surfaces and a harmonious colour palette give the image depth",
        ),
    ]
    extra = [e + "." for e in extra if e][: max(0, 4 - len(user))]
    if len(user) + len(extra) < 2:
        extra.append("The composition is balanced and clear.")
    return " ".join([*user, *extra])
