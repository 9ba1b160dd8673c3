"""A deterministic feature-length screenplay for benchmarks: ~6,000 lines, about 120 pages of Fountain."""

from __future__ import annotations

import random

PLACES = [
    "LIGHTHOUSE",
    "CLIFF PATH",
    "HARBOUR",
    "KEEPER'S COTTAGE",
    "FISH MARKET",
    "CHAPEL",
    "TOWN SQUARE",
    "BOAT SHED",
    "RADIO ROOM",
    "TIDAL CAVE",
    "PUB - THE ANCHOR",
    "COAST ROAD",
]
TIMES = ["DAY", "NIGHT", "DAWN", "DUSK", "CONTINUOUS", "LATER"]
PEOPLE = ["MARA", "TOM", "ELSIE", "FATHER DOYLE", "GUARD 2", "MRS. KEANE", "OWEN"]
ACTION = [
    "Rain hammers the window.",
    "Mara climbs the spiral stair, lantern in hand.",
    "The lamp flickers and dies.",
    "Tom runs along the edge of the cliff, following the gulls.",
    "A close up of the letter, its ink running.",
    "Waves break against the rocks below.",
    "The radio crackles with static.",
    "She folds the letter twice.",
    "Wide shot of the harbour at low tide.",
    "Gulls scatter from the roof.",
    "Owen watches from the doorway.",
]
LINES = [
    "Not tonight.",
    "You always say that.",
    "Where were you when the light went out?",
    "I heard that.",
    "We should have called the coast guard an hour ago.",
    "Leave it.",
    "Nobody comes up here any more, not since the wreck.",
    "Then who lit the lamp?",
    "Go home, Tom.",
    "It's the same handwriting. It's his.",
]
PARENS = ["(quietly)", "(to herself)", "(beat)", "(not looking up)"]


def feature_screenplay(seed: int = 120, target_lines: int = 6_000) -> str:
    rng = random.Random(seed)
    out = ["Title: The Night Shift", "Credit: Written by", "Author: Bench", "Draft date: 1 December 2026", ""]
    scene = 0
    while len(out) < target_lines:
        scene += 1
        prefix = rng.choice(["INT.", "EXT.", "INT.", "EXT.", "INT./EXT."])
        out += [f"{prefix} {rng.choice(PLACES)} - {rng.choice(TIMES)} #{scene}#", ""]
        for _ in range(rng.randint(6, 16)):
            roll = rng.random()
            if roll < 0.4:
                out += [" ".join(rng.choice(ACTION) for _ in range(rng.randint(1, 3)))]
                if rng.random() < 0.3:
                    out += [rng.choice(ACTION)]
            elif roll < 0.45:
                out += [rng.choice(["BOOM.", "SILENCE.", "!THUNDER CRASHES."])]
            else:
                who = rng.choice(PEOPLE)
                ext = rng.choice(["", "", "", " (V.O.)", " (O.S.)", " (CONT'D)"])
                out += [who + ext]
                if rng.random() < 0.25:
                    out += [rng.choice(PARENS)]
                out += [rng.choice(LINES) for _ in range(rng.randint(1, 3))]
                if rng.random() < 0.05:
                    out += ["", rng.choice([p for p in PEOPLE if p != who]) + " ^", rng.choice(LINES)]
            out += [""]
        if rng.random() < 0.4:
            out += [rng.choice(["CUT TO:", "SMASH CUT TO:", "DISSOLVE TO:"]), ""]
    return "\n".join(out) + "\n"
