"""Fountain conformance: what fountain-py had to pass to be used, and the fixes over the public parser."""

from __future__ import annotations

import pytest

from milimo.storyboard import parse_script
from milimo.storyboard.fountain import parse_fountain


def kinds(text: str) -> list[tuple]:
    board = parse_fountain(text)
    return [(sc.heading, [(s.kind, s.character, s.action or s.dialogue) for s in sc.shots]) for sc in board.scenes]


@pytest.mark.parametrize(
    "heading",
    [
        "INT. HOUSE - DAY",
        "EXT. HOUSE - DAY",
        "EST. CITY - NIGHT",
        "INT./EXT. CAR - MOVING",
        "INT/EXT. CAR - DAY",
        "I/E TRUCK - DAY",
        "int. house - day",
        "INT HOUSE - DAY",
    ],
)
def test_every_heading_prefix_starts_a_scene(heading):
    assert kinds(f"\n{heading}\n\nShe waits.\n") == [(heading, [("action", "", "She waits.")])]


def test_forced_heading_scene_number_and_an_ellipsis_that_is_not_forced():
    board = parse_fountain("\n.FLASHBACK #12A#\n\n...and then nothing.\n")
    [scene] = board.scenes
    assert (scene.heading, scene.scene_number, scene.forced) == ("FLASHBACK", "12A", True)
    assert [(s.kind, s.action) for s in scene.shots] == [("action", "...and then nothing.")]


def test_a_heading_pasted_without_its_blank_line_still_starts_a_scene():
    board = parse_fountain("INT. HOUSE - DAY\nShe waits.\nHe waits.\n")
    [scene] = board.scenes
    assert scene.heading == "INT. HOUSE - DAY"
    assert [(s.action, s.line_start, s.line_end) for s in scene.shots] == [("She waits.\nHe waits.", 2, 3)]
    assert (scene.line_start, scene.line_end) == (1, 3)


def test_all_caps_action_is_not_a_character_cue():
    assert kinds("\nINT. A - DAY\n\nBOOM.\n\nGlass breaks.\n") == [
        ("INT. A - DAY", [("action", "", "BOOM."), ("action", "", "Glass breaks.")])
    ]
    assert kinds("\nINT. A - DAY\n\n!THUNDER CRASHES.\n") == [("INT. A - DAY", [("action", "", "THUNDER CRASHES.")])]


def test_cues_with_extensions_forced_names_and_digits():
    text = "\nINT. A - DAY\n\nTOM (V.O.) (CONT'D)\nHi.\n\n@McCLANE\nYo.\n\nGUARD 2\nHalt!\n\n23\nSkidoo.\n"
    [(_, shots)] = kinds(text)
    assert shots == [
        ("dialogue", "TOM (V.O.) (CONT'D)", "Hi."),
        ("dialogue", "McCLANE", "Yo."),
        ("dialogue", "GUARD 2", "Halt!"),
        ("action", "", "23\nSkidoo."),
    ]


def test_parentheticals_stay_in_the_dialogue_on_their_own_lines():
    [(_, [shot])] = kinds("\nINT. A - DAY\n\nMARA\n(to herself)\nNot tonight.\nNot again.\n")
    assert shot == ("dialogue", "MARA", "(to herself)\nNot tonight.\nNot again.")


def test_dual_dialogue_marks_the_second_speaker():
    board = parse_fountain("\nINT. A - DAY\n\nTOM\nShe never listens.\n\nMARA ^\nI heard that.\n")
    shots = board.scenes[0].shots
    assert [(s.character, s.dual) for s in shots] == [("TOM", False), ("MARA", True)]


def test_transitions_attach_to_the_shot_before_them():
    board = parse_fountain("\nINT. A - DAY\n\nShe leaves.\n\nSMASH CUT TO:\n\nINT. B - DAY\n\nDrive.\n\n> FADE OUT.\n")
    assert [[(s.action, s.transition) for s in sc.shots] for sc in board.scenes] == [
        [("She leaves.", "SMASH CUT TO:")],
        [("Drive.", "FADE OUT.")],
    ]


def test_notes_boneyard_sections_synopses_and_page_breaks_are_not_shots():
    text = "# ACT ONE\n\n= The letter.\n\nINT. A - DAY\n\nShe reads. [[fix this]]\n\n/* MARA\nGone.\n*/\n\n===\n\n[[A standalone note.]]\n\nShe folds it.\n"
    board = parse_fountain(text)
    [scene] = board.scenes
    assert scene.synopsis == "The letter."
    assert [s.action for s in scene.shots] == ["She reads.", "She folds it."]


def test_centered_text_and_lyrics():
    board = parse_fountain("\nINT. A - DAY\n\n>THE END<\n\n~Row, row, row your boat\n~gently down the stream\n")
    shots = board.scenes[0].shots
    assert [(s.kind, s.action, s.dialogue) for s in shots] == [
        ("centered", "THE END", ""),
        ("lyrics", "", "~Row, row, row your boat\n~gently down the stream"),
    ]


def test_text_before_the_first_heading_is_kept(three_scenes):
    board = parse_script(three_scenes)
    opening = board.scenes[0]
    assert opening.heading == "" and [s.action for s in opening.shots] == ["A cold open before any heading: rain on a tin roof."]
    assert [s.heading for s in board.scenes[1:]] == [
        "INT. LIGHTHOUSE - NIGHT",
        "EXT. CLIFF PATH - DAWN",
        "FLASHBACK - THE HARBOUR",
    ]


def test_title_page(three_scenes):
    board = parse_script(three_scenes)
    assert board.title_page == {
        "title": "The Night Shift",
        "credit": "Written by",
        "author": "Ada Lovelace",
        "draft date": "1 December 2026",
        "contact": "ada@example.com\n555-0100",
    }


def test_scenes_keep_their_source_text_and_line_range(three_scenes):
    board = parse_script(three_scenes)
    lines = three_scenes.split("\n")
    for scene in board.scenes:
        assert scene.source_text == "\n".join(lines[scene.line_start - 1 : scene.line_end])
        for shot in scene.shots:
            assert scene.line_start <= shot.line_start <= shot.line_end <= scene.line_end
    lighthouse = board.scenes[1]
    assert lighthouse.source_text.startswith("INT. LIGHTHOUSE - NIGHT #1#") and lighthouse.source_text.endswith("CUT TO:")
    mara = lighthouse.shots[3]
    assert lines[mara.line_start - 1 : mara.line_end] == ["MARA", "(to herself)", "Not tonight.", "Not again."]


def test_each_action_paragraph_and_dialogue_block_is_a_shot(three_scenes):
    board = parse_script(three_scenes)
    assert [len(s.shots) for s in board.scenes] == [1, 7, 3, 5]


def test_parsing_is_deterministic(three_scenes):
    assert parse_script(three_scenes).as_dict() == parse_script(three_scenes).as_dict()
