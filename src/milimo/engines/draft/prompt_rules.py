"""Word rules of the draft prompt enhancer: verb forms and the cues that imply light and sound.

Everything here is a lookup table or a small rule; when a rule is unsure it leaves the user's
words as written (a noun that looks like a verb stays a noun: "ocean waves crash" is read as
subject "ocean waves", verb "crash").
"""

from __future__ import annotations

import re

# Film-action verbs (base forms). Only these are ever re-conjugated.
VERBS = frozenset(
    """
    walk run sit stand turn look stare glance open close pour drink eat hold grab take give lift drop throw
    catch push pull climb fall jump dance sing cry laugh smile nod shake wave point reach touch kiss hug fight
    punch kick shoot drive ride fly swim float drift sail race chase follow lead enter exit leave arrive
    approach cross step kneel lie lean rest sleep wake read write type talk speak whisper shout scream call
    answer listen watch wait search hide sneak creep crawl stumble limp march pace wander hurry rush dash
    sprint spin twirl burn glow flicker shine fade rise roll crash break explode blow sway move swing carry
    drag slide paint draw cook cut chop stir play build fix clean wash light smoke check scan study examine
    count hesitate tremble shiver sigh breathe gasp collapse emerge descend ascend soar hover circle gallop
    trot bark howl growl roar hum ring buzz glide dive splash wade tumble flee escape stroll stride jog
    peer gaze blink frown grin weep sob scribble sketch strum drum knock slam sweep tie fold hang flip
    """.split()
)
_DOUBLE = frozenset(
    "run sit swim step nod jog spin grab drop stop hit cut get put shut drag hug tap slip trip chop pat rub dip "
    "skip grin beg dig nap rip sip slam snap stir wrap trot clap flip strum".split()
)
LOCOMOTION = frozenset(
    "walk run stroll stride jog march pace wander hurry rush dash sprint creep sneak crawl stumble limp chase "
    "follow flee escape approach cross enter exit leave arrive step climb descend ascend race".split()
)
FAST = frozenset("run rush dash sprint race chase flee escape hurry".split())
SLOW = frozenset("creep sneak crawl limp wander stroll".split())
VEHICLE = frozenset("drive ride sail fly soar glide hover gallop trot".split())
NATURE = frozenset("burn glow flicker shine fade rise roll blow sway drift float crash".split())
AUX = frozenset("is are was were be been being am will would can could should may might must do does did to not never".split())
PLURAL_WORDS = frozenset("they we people men women children crowds both several many".split())
PRONOUNS = frozenset("he she it they we i you".split())


def s_form(base: str) -> str:
    if re.search(r"(s|sh|ch|x|z|o)$", base):
        return base + "es"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ies"
    return base + "s"


def ing_form(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        return base[:-1] + "ing"
    if base in _DOUBLE:
        return base + base[-1] + "ing"
    return base + "ing"


S_FORMS = {s_form(v): v for v in VERBS}


def _plural(word: str) -> bool:
    w = word.lower()
    return w in PLURAL_WORDS or (len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")))


def progressive(sentence: str) -> tuple[str, str]:
    """(sentence in present progressive, base verb) for "Maya pours coffee"; ("unchanged", "") when unsure."""
    tokens = re.findall(r"[A-Za-z']+|[^A-Za-z']+", sentence)
    words = [(i, t) for i, t in enumerate(tokens) if t[0].isalpha()]
    for k, (i, tok) in enumerate(words[:9]):
        low = tok.lower()
        prev = words[k - 1][1].lower() if k else ""
        nxt = words[k + 1][1].lower() if k + 1 < len(words) else ""
        if prev in AUX or k == 0:
            continue
        if low in S_FORMS and nxt not in VERBS:
            base, aux = S_FORMS[low], "is"
        elif low in VERBS and _plural(prev):
            base, aux = low, "are"
        else:
            continue
        tokens[i] = f"{aux} {ing_form(base)}"
        # Coordinated verbs share the auxiliary: "walks in and sits down" -> "is walking in and sitting down".
        for m in range(k + 1, len(words) - 1):
            _j, t = words[m]
            if t.lower() in ("and", "then"):
                nj, nt = words[m + 1]
                nb = S_FORMS.get(nt.lower()) if aux == "is" else (nt.lower() if nt.lower() in VERBS else None)
                if nb:
                    tokens[nj] = ing_form(nb)
        return "".join(tokens), base
    return sentence, ""


# (pattern, lighting, sound) — the first matching light and every matching sound (up to two) are used.
CUES: tuple[tuple[str, str, str], ...] = (
    (
        r"\b(rain|rainy|raining|storm|downpour|drizzle)\b",
        "Wet surfaces catch streaks of reflected light",
        "the steady patter of rain",
    ),
    (r"\b(snow|snowy|snowing|blizzard)\b", "Soft, diffuse light bounces off the snow", "the muffled hush of falling snow"),
    (r"\b(fog|foggy|mist|misty|haze)\b", "A low haze softens the background and diffuses the light", ""),
    (r"\b(night|midnight|moon|moonlit|dark)\b", "Cool moonlight and pools of warm practical light shape the scene", ""),
    (r"\b(dusk|sunset|golden hour|evening)\b", "Low golden light rakes across the scene with long shadows", ""),
    (r"\b(dawn|sunrise|morning)\b", "Soft early-morning light gives the scene a pale, gentle glow", "early birdsong"),
    (r"\b(neon|club|arcade)\b", "Saturated neon light spills across the surfaces", "a muffled electronic beat"),
    (
        r"\b(candle|candles|fireplace|campfire|fire|flames)\b",
        "Flickering firelight warms the faces and leaves the edges in shadow",
        "the crackle of flames",
    ),
    (r"\b(street|city|traffic|avenue|downtown)\b", "", "distant traffic and footsteps"),
    (r"\b(forest|woods|jungle|trees)\b", "Dappled light filters through the leaves", "birdsong and rustling leaves"),
    (r"\b(sea|ocean|beach|waves|shore|harbor|harbour)\b", "", "waves breaking on the shore"),
    (r"\b(kitchen)\b", "", "the hum of a refrigerator and the clink of cups"),
    (r"\b(cafe|café|bar|restaurant|diner|pub)\b", "", "murmured conversations and clinking glasses"),
    (r"\b(office|desk|computer)\b", "The cool, even light of overhead panels", "keyboard clicks and the hum of air conditioning"),
    (r"\b(car|road|highway|truck|motorcycle)\b", "", "the low hum of an engine"),
    (r"\b(train|station|subway|platform)\b", "", "the rumble of a train and station announcements"),
    (r"\b(crowd|market|festival|party)\b", "", "the chatter of the crowd"),
    (r"\b(desert|wind|windy|cliff|mountain)\b", "", "wind sweeping over open ground"),
    (r"\b(church|cathedral|hall|cave|tunnel)\b", "", "footsteps echoing off stone"),
    (r"\b(space|spaceship|planet|orbit)\b", "", "a deep, near-silent hum"),
    (r"\b(battle|war|gunfire|explosion)\b", "", "distant explosions and shouting"),
    (r"\b(day|sunny|sunlight|noon|afternoon)\b", "Bright, even daylight with crisp shadows", ""),
)

CAMERA_WORDS = re.compile(
    r"\b(camera|pan|pans|panning|tilt|tilts|dolly|zoom|zooms|crane|handheld|tracking shot|push[- ]in|pull[- ]back)\b", re.I
)

CAMERA = {
    "extreme_close_up": "An extreme close framing isolates a single detail",
    "close_up": "The camera holds a close framing on the face with a shallow depth of field",
    "medium_close_up": "A medium close framing holds the subject from the chest up",
    "medium": "A medium framing keeps the subject from the waist up",
    "cowboy": "The framing holds the subject from mid-thigh up",
    "wide": "A wide framing shows the subject within the full setting",
    "establishing": "A wide establishing view lays out the geography of the place",
    "aerial": "The view looks down on the scene from high above",
    "tracking": "The camera tracks alongside the subject, keeping pace with the movement",
    "over_the_shoulder": "The framing looks over one shoulder toward the subject",
    "two_shot": "Both figures share the frame",
    "insert": "A tight insert isolates the detail",
    "pov": "The view is seen through the character's eyes",
}
