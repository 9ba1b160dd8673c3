"""Shot length from the content on the engine's grid, shot types on word boundaries, the LTX-2 speech prompt."""

from __future__ import annotations

import pytest

from milimo.storyboard import Grid, parse_script
from milimo.storyboard.prompt import shot_prompt, speech_sentence
from milimo.storyboard.shot_types import infer_shot_type
from milimo.storyboard.timing import DIALOGUE_BEAT_S, SPEAKING_RATE_WPS, grid_ceil, shot_timing, spoken_words


def test_dialogue_is_timed_at_the_speaking_rate_plus_a_beat_and_rounded_up_onto_the_grid():
    line = " ".join(["word"] * 20)  # 20 words: 8 s at 2.5 words/s, plus the 1 s beat = 9 s
    t = shot_timing("", line, fps=24, frame_step=8, native_max_frames=505)
    assert t.seconds_needed == 20 / SPEAKING_RATE_WPS + DIALOGUE_BEAT_S == 9.0
    assert t.num_frames == 217 and (t.num_frames - 1) % 8 == 0 and t.num_frames >= 9 * 24
    assert not t.clamped


def test_parentheticals_are_not_spoken():
    assert spoken_words("(to herself)\nNot tonight.\nNot again.") == 4


def test_action_is_timed_by_its_length_with_a_floor():
    short = shot_timing("BOOM.", "", fps=24, frame_step=8, native_max_frames=505)
    long = shot_timing(" ".join(["word"] * 30), "", fps=24, frame_step=8, native_max_frames=505)
    assert short.num_frames == 49 and short.seconds_needed == 2.0
    assert long.seconds_needed == 10.0 and long.num_frames == 241


def test_a_monologue_is_clamped_to_the_native_maximum_and_says_so():
    t = shot_timing("", " ".join(["word"] * 100), fps=24, frame_step=8, native_max_frames=505)
    assert (t.num_frames, t.clamped, t.seconds_needed) == (505, True, 41.0)


@pytest.mark.parametrize("frame_step, native_max, fps", [(8, 505, 24), (8, 121, 30), (4, 97, 25), (1, 100, 24)])
def test_lengths_stay_on_any_grid_they_are_given(frame_step, native_max, fps):
    board = parse_script(
        "\nINT. A - DAY\n\nMARA\n" + "Again and again. " * 30 + "\n\nShe waits.\n",
        grid=Grid(fps=fps, frame_step=frame_step, native_max_frames=native_max),
    )
    for shot in board.shots():
        assert shot.num_frames <= native_max
        assert frame_step == 1 or (shot.num_frames - 1) % frame_step == 0


def test_grid_ceil():
    assert [grid_ceil(n, 8) for n in (1, 2, 9, 10, 48, 49)] == [9, 9, 9, 17, 49, 49]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A handsome man waits by the door.", "medium"),
        ("He raises an eyebrow.", "medium"),
        ("Her eyes fill with tears.", "close_up"),
        ("Close-up on the letter.", "close_up"),
        ("We follow her down the corridor.", "tracking"),
        ("The city skyline at dawn.", "establishing"),
        ("An insert of the radio dial.", "insert"),
        ("WIDE SHOT. The beach.", "wide"),
    ],
)
def test_shot_types_match_whole_words(text, expected):
    assert infer_shot_type(text) == expected


def test_the_first_of_many_action_shots_establishes_and_dialogue_is_medium():
    assert infer_shot_type("The house.", first_of_many=True) == "establishing"
    assert infer_shot_type("Fine.", has_dialogue=True) == "medium"


def test_speech_is_written_the_way_ltx2_prompts_speak():
    assert (
        speech_sentence("MARA", "(to herself)\nNot tonight.\nNot again.") == 'Mara, to herself, says, "Not tonight. Not again."'
    )
    assert speech_sentence("TOM (V.O.)", "You always say that") == 'Tom says in voice-over, "You always say that."'
    assert speech_sentence("", "~Row, row, row your boat") == 'A voice sings, "Row, row, row your boat."'
    assert speech_sentence("McCLANE", 'He said "no".') == "McCLANE says, \"He said 'no'.\""


def test_the_shot_prompt_carries_setting_framing_action_and_the_line():
    prompt = shot_prompt("INT. LIGHTHOUSE - NIGHT", "close_up", "Mara grips the rail.", "MARA", "Not tonight.")
    assert prompt == 'INT. LIGHTHOUSE - NIGHT. Close up shot. Mara grips the rail. Mara says, "Not tonight."'
    assert shot_prompt("", "wide", "Wide shot of the cliff.", "", "") == "Wide shot of the cliff."
