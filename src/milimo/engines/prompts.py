"""Prompt enhancement: the system prompts and the reader for what a language model sends back.

Both text engines (Gemma in-process, Ollama over HTTP) ask for the same raw JSON object,
{"enhanced_prompt": str, "is_reference_only": bool}, and both read the answer with
`read_enhancement`, which survives code fences, prose around the object and a reply cut off
by the token limit. Anything it cannot read becomes the original prompt with a note.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from milimo.engines.protocols import Enhancement

MAX_PROMPT_CHARS = 4000

REFERENCE_ONLY_DEFINITION = (
    "is_reference_only is true ONLY when the image is a reference sheet rather than a picture of the scene: "
    "a multi-angle character sheet or turnaround, a collage or grid of separate views, a mood board, or a "
    "UI or diagram. Concept art, a portrait, a photograph or a single illustrated scene is a starting "
    "frame: is_reference_only is false."
)

_JSON_RULE = (
    "Answer with one raw JSON object and nothing else, no markdown fences, no commentary: "
    '{"enhanced_prompt": "<the prompt>", "is_reference_only": <true or false>}'
)


def length_tier(duration_s: float) -> str:
    """How much a prompt may say for a clip of this length (short clips hold one action)."""
    if duration_s <= 6:
        return "2 to 3 sentences describing one continuous action"
    if duration_s <= 12:
        return "3 to 5 sentences; at most two actions that follow each other"
    return "4 to 8 sentences; a short sequence of actions joined by clear temporal connectors"


def video_system_prompt(duration_s: float = 5.0, has_image: bool = False) -> str:
    """System prompt for text-to-video and image-to-video enhancement."""
    lines = [
        "You rewrite short ideas into prompts for a video model that generates picture and sound together.",
        "Write one flowing paragraph in the present progressive tense, in chronological order: the action "
        "first, then movement and gestures, appearance, the setting, lighting and colour, and finally the "
        "soundscape (ambient sound, effects, speech in quotes if a character talks).",
        "Use temporal connectors (as, then, while) so the motion reads as one take.",
        "Describe only what a camera would record. Do not invent camera moves the idea does not ask for, "
        "do not start with 'The scene opens with', do not use lists or headings.",
        "An optional leading 'Style: <style>.' sentence is allowed when the idea names a style.",
        f"Length for this {duration_s:.1f}-second clip: {length_tier(duration_s)}.",
    ]
    if has_image:
        lines += [
            "An image comes with the idea. When it is a starting frame, the video begins exactly on it: do not "
            "re-describe what is already visible, describe what changes and moves from that frame on, and keep "
            "the subjects, framing and lighting of the image.",
            REFERENCE_ONLY_DEFINITION,
            "When is_reference_only is true, write a complete scene description that uses the image only for "
            "the look of its subjects.",
        ]
    else:
        lines.append('There is no image: "is_reference_only" is always false.')
    lines.append(_JSON_RULE)
    return "\n".join(lines)


def image_system_prompt(has_image: bool = False) -> str:
    """System prompt for still images (storyboard frames, concept art)."""
    lines = [
        "You rewrite short ideas into prompts for an image model.",
        "Write 2 to 4 sentences of concrete visual detail: subject, pose and expression, clothing, setting, "
        "composition and framing, lighting, colour palette, medium or photographic style.",
        "No camera motion, no sound, no story beyond what one frame shows, no lists.",
    ]
    if has_image:
        lines.append("Reference images come with the idea; keep their subjects recognisable.")
    lines.append('"is_reference_only" is always false for images.')
    lines.append(_JSON_RULE)
    return "\n".join(lines)


def system_prompt(mode: Literal["video", "image"], duration_s: float, has_image: bool) -> str:
    return video_system_prompt(duration_s, has_image) if mode == "video" else image_system_prompt(has_image)


def user_message(prompt: str) -> str:
    return f"Raw input prompt: {prompt.strip()}"


# --------------------------------------------------------------------------- reading replies

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)(?:```|$)", re.S)
_KEY_ALIASES = ("enhanced_prompt", "enhancedPrompt", "prompt", "enhanced")
_PARTIAL = re.compile(r'"(?:enhanced_prompt|enhancedPrompt)"\s*:\s*"((?:[^"\\]|\\.)*)', re.S)
_REF_FLAG = re.compile(r'"is_reference_only"\s*:\s*(true|false|"true"|"false")', re.I)


def _objects(text: str) -> list[dict[str, Any]]:
    """Every balanced {...} in the text that parses as a JSON object, outermost first."""
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    i = text.find("{")
    while i != -1:
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i = text.find("{", i + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        i = text.find("{", end)
    return found


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1")
    return bool(v) if isinstance(v, (int, float)) else False


def _clean(prompt: str) -> str:
    return re.sub(r"\s+", " ", prompt).strip()[:MAX_PROMPT_CHARS]


def parse_enhancement(reply: str) -> tuple[str, bool, bool] | None:
    """(prompt, is_reference_only, truncated) from a model reply, or None when there is no prompt in it."""
    if not reply or not reply.strip():
        return None
    candidates = [m.group(1) for m in _FENCE.finditer(reply)] + [reply]
    for text in candidates:
        for obj in _objects(text):
            for key in _KEY_ALIASES:
                value = obj.get(key)
                if isinstance(value, str) and value.strip():
                    return _clean(value), _as_bool(obj.get("is_reference_only", False)), False
    # A reply cut off by the token limit: the object never closes, but the prompt so far is usable.
    m = _PARTIAL.search(reply)
    if m:
        raw = m.group(1)
        try:
            value = json.loads(f'"{raw.rstrip(chr(92))}"')
        except json.JSONDecodeError:
            value = raw.replace('\\"', '"')
        flag = _REF_FLAG.search(reply)
        if value.strip():
            return _clean(value), flag is not None and "true" in flag.group(1).lower(), True
    return None


def read_enhancement(reply: str, original: str, *, has_image: bool, source: str) -> Enhancement:
    """The Enhancement for a reply; the original prompt with a note when the reply holds no usable prompt."""
    parsed = parse_enhancement(reply)
    if parsed is None:
        return Enhancement(original, False, f"{source} did not return a JSON prompt; the original prompt was kept")
    prompt, reference_only, truncated = parsed
    note = f"{source} reply was cut off; the prompt may end mid-sentence" if truncated else ""
    return Enhancement(prompt, reference_only and has_image, note)


def kept(original: str, why: str) -> Enhancement:
    """The original prompt, unchanged, with the reason the user sees."""
    return Enhancement(original, False, why)
