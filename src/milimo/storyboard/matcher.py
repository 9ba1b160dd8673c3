"""Which project elements a shot is about: the signals of the reference's ElementMatcher, on word boundaries.

match_elements(elements, shot) is a pure function. Every signal matches whole words, so
"@Hero" is not found in "@Heroine" and "Ann" is not found in "Anna". Per element the strongest
signal wins; matches under MIN_CONFIDENCE are dropped; the result is sorted by confidence,
then by name, so the same input always gives the same list.

Signals (confidence, match_source):
  1.00 character_field_exact         the shot's character is the element's name ("TOM (V.O.)" is "Tom")
  0.95 character_field_trigger       the trigger (without "@") is a word of the character field
  0.80 character_field_partial       every word of the name is a word of the character field
  0.95 action_trigger_word_prefixed  "@Hero" in the action, as a whole token
  0.90 action_trigger_word           the trigger without "@", same case, as a whole word in the action
  0.85 scene_heading                 a location's name or trigger in the scene heading
  0.75 action_name_mention           the name as a phrase in the action
  0.75 action_name_tokens            every word of a multi-word name somewhere in the action
  0.70 dialogue_mention              the name as a phrase in the dialogue
  0.5 x share description_keywords   >= 3 description words in the action and dialogue (only when nothing
                                     stronger matched); kept only when it reaches MIN_CONFIDENCE
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MIN_CONFIDENCE = 0.4
_TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)  # letters only, two or more
_STOP = frozenset(
    "the and with for from that this into onto over under her his its their they she him you are was were "
    "has have had but not all any who what when where which while a an of in on at to by as is it".split()
)
_EXTENSION = re.compile(r"\([^)]*\)|\^|^@")


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in _TOKEN.findall(text)}


def _phrase(words: str, flags: int = re.I) -> re.Pattern[str] | None:
    """A pattern for a phrase as whole words; None for an empty phrase."""
    parts = [re.escape(p) for p in words.split()]
    if not parts:
        return None
    return re.compile(r"(?<![\w@])" + r"\s+".join(parts) + r"(?![\w])", flags)


@dataclass(frozen=True)
class _Indexed:
    element: Mapping[str, Any]
    name: str
    name_tokens: frozenset[str]
    trigger: str  # without "@"
    name_re: re.Pattern[str] | None
    prefixed_re: re.Pattern[str] | None
    bare_re: re.Pattern[str] | None
    desc_tokens: frozenset[str]


def _index(el: Mapping[str, Any]) -> _Indexed:
    name = " ".join(str(el.get("name") or "").split())
    trigger = str(el.get("trigger_word") or "").strip().lstrip("@")
    return _Indexed(
        element=el,
        name=name.lower(),
        name_tokens=frozenset(_tokens(name)),
        trigger=trigger,
        name_re=_phrase(name),
        prefixed_re=re.compile(r"(?<![\w@])@" + re.escape(trigger) + r"(?![\w])", re.I) if trigger else None,
        bare_re=re.compile(r"(?<![\w@])" + re.escape(trigger) + r"(?![\w])") if trigger else None,
        desc_tokens=frozenset(_tokens(str(el.get("description") or "")) - _STOP),
    )


class ElementIndex:
    """The project's elements prepared once, for matching many shots (a feature script has thousands)."""

    def __init__(self, elements: Iterable[Mapping[str, Any]]) -> None:
        self.items = [_index(e) for e in elements if e.get("id") and (e.get("name") or e.get("trigger_word"))]

    def match(
        self, *, action: str = "", dialogue: str = "", character: str = "", scene_heading: str = ""
    ) -> list[dict[str, Any]]:
        char_clean = " ".join(_EXTENSION.sub(" ", character).split())
        char_tokens = _tokens(char_clean)
        char_words = {w.lower() for w in re.findall(r"[\w'-]+", char_clean)}
        story_tokens = _tokens(f"{action} {dialogue}")
        out = []
        for it in self.items:
            best = _best(it, action, dialogue, char_clean, char_tokens, char_words, story_tokens, scene_heading)
            if best is not None and best[0] >= MIN_CONFIDENCE:
                el = it.element
                out.append(
                    {
                        "element_id": el["id"],
                        "element_name": el.get("name") or "",
                        "element_type": el.get("type") or "",
                        "trigger_word": el.get("trigger_word") or "",
                        "image_url": el.get("image_url"),
                        "confidence": round(best[0], 2),
                        "match_source": best[1],
                    }
                )
        out.sort(key=lambda m: (-m["confidence"], m["element_name"].lower(), m["element_id"]))
        return out


def _best(
    it: _Indexed,
    action: str,
    dialogue: str,
    char_clean: str,
    char_tokens: set[str],
    char_words: set[str],
    story_tokens: set[str],
    heading: str,
) -> tuple[float, str] | None:
    signals: list[tuple[float, str]] = []
    if char_clean:
        if it.name and char_clean.lower() == it.name:
            signals.append((1.0, "character_field_exact"))
        if it.trigger and it.trigger.lower() in char_words:
            signals.append((0.95, "character_field_trigger"))
        if it.name_tokens and it.name_tokens <= char_tokens:
            signals.append((0.8, "character_field_partial"))
    if it.prefixed_re is not None and it.prefixed_re.search(action):
        signals.append((0.95, "action_trigger_word_prefixed"))
    elif it.bare_re is not None and it.bare_re.search(action):
        signals.append((0.9, "action_trigger_word"))
    if heading and (it.element.get("type") == "location"):
        if (it.name_re is not None and it.name_re.search(heading)) or (it.bare_re is not None and it.bare_re.search(heading)):
            signals.append((0.85, "scene_heading"))
    if it.name_re is not None and it.name_re.search(action):
        signals.append((0.75, "action_name_mention"))
    elif len(it.name_tokens) > 1 and it.name_tokens <= _tokens(action):
        signals.append((0.75, "action_name_tokens"))
    if it.name_re is not None and dialogue and it.name_re.search(dialogue):
        signals.append((0.7, "dialogue_mention"))
    best = max(signals, default=None)
    if (best is None or best[0] < 0.5) and len(it.desc_tokens) >= 3:
        overlap = len(it.desc_tokens & story_tokens)
        if overlap >= 3:
            signals.append((0.5 * min(overlap / len(it.desc_tokens), 1.0), "description_keywords"))
            best = max(signals)
    return best


def match_elements(
    elements: Iterable[Mapping[str, Any]], *, action: str = "", dialogue: str = "", character: str = "", scene_heading: str = ""
) -> list[dict[str, Any]]:
    """The elements one shot matches, strongest first (see the module docstring for the signals)."""
    return ElementIndex(elements).match(action=action, dialogue=dialogue, character=character, scene_heading=scene_heading)
