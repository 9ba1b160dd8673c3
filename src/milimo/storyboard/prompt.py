"""The video prompt of a storyboard shot, with its dialogue in the form LTX-2 speaks.

LTX-2 generates audio with the video; its prompts describe speech as a sentence that names the
speaker and quotes the line (`The woman says, "..."`), which is also what the draft text engine
writes (engines/draft/text.py). Parentheticals become the manner of delivery ("Mara, to
herself, says, ..."); lyric lines are sung. The scene heading comes first, as the setting.
"""

from __future__ import annotations

import re

from milimo.engines.draft.shots import find_shot_type, label

_EXTENSION = re.compile(r"\s*\((V\.O\.|O\.S\.|O\.C\.|CONT'D|CONT’D|CONT\.|[^)]*)\)\s*", re.I)


def speaker_name(character: str) -> str:
    """ "TOM (V.O.)" -> "Tom"; "McCLANE" keeps its case (it was forced mixed-case)."""
    name = _EXTENSION.sub(" ", character).strip().lstrip("@").rstrip("^").strip()
    if name.isupper():
        name = " ".join(w.capitalize() if w.isalpha() else w.title() for w in name.split())
    return name


def _voice(character: str) -> str:
    ext = " ".join(m.group(1).upper() for m in _EXTENSION.finditer(character))
    if "V.O." in ext:
        return " in voice-over"
    if "O.S." in ext or "O.C." in ext:
        return " from off screen"
    return ""


def speech_sentence(character: str, dialogue: str) -> str:
    """`Mara, to herself, says, "Not tonight. Not again."` (lyrics: `sings`)."""
    manner, spoken, sung = [], [], False
    for raw in dialogue.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("(") and line.endswith(")"):
            manner.append(line[1:-1].strip())
        elif line.startswith("~"):
            sung = True
            spoken.append(line[1:].strip())
        else:
            spoken.append(line)
    if not spoken:
        return ""
    text = " ".join(spoken).replace('"', "'")
    if text[-1] not in ".!?…-—":
        text += "."
    who = speaker_name(character) or "A voice"
    how = f", {', '.join(manner)}," if manner else ""
    return f'{who}{how} {"sings" if sung else "says"}{_voice(character)}, "{text}"'


def shot_prompt(heading: str, shot_type: str, action: str, character: str, dialogue: str, kind: str = "action") -> str:
    """One paragraph: setting, framing (unless the action names it), what happens, what is said."""
    parts = []
    if heading:
        parts.append(heading.rstrip(".") + ".")
    if shot_type and find_shot_type(action) != shot_type:
        parts.append(f"{label(shot_type).capitalize()} shot.")
    if kind == "centered" and action.strip():
        title = " ".join(action.strip().removeprefix(">").removesuffix("<").split())
        parts.append(f'Title text centred on a black screen: "{title}".')
    elif action.strip():
        body = " ".join(action.split())
        parts.append(body if body[-1] in ".!?…\"'" else body + ".")
    speech = speech_sentence(character, dialogue)
    if speech:
        parts.append(speech)
    return " ".join(parts)


def concept_prompt(heading: str, shot_type: str, action: str, character: str) -> str:
    """The still for a shot card (seed §6.2): storyboard concept art of the setting, framing and action."""
    parts = ["Cinematic storyboard concept art."]
    if heading:
        parts.append(heading.rstrip(".") + ".")
    if shot_type:
        parts.append(f"{label(shot_type).capitalize()} shot.")
    who = speaker_name(character)
    body = " ".join(action.split()) or (f"{who} speaking." if who else "A cinematic shot.")
    parts.append(f"{who}: {body}" if who and who.lower() not in body.lower() else body)
    return " ".join(parts)
