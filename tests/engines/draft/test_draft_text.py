"""The draft prompt enhancer: length tiers, the user's words, the image-to-video rule, reference sheets."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from milimo.engines.draft import DraftTextEngine
from milimo.engines.draft.text import looks_like_reference_sheet
from milimo.engines.protocols import EngineUnavailable, TextEngine

from .conftest import scene_image

ENGINE = DraftTextEngine()
PROMPT = "A woman in a red coat walks through a rainy market at night"


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def character_sheet(figures: int = 4) -> Image.Image:
    img = Image.new("RGB", (800, 400), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for k in range(figures):
        cx = 800 * (k + 0.5) / figures
        d.ellipse((cx - 25, 60, cx + 25, 110), fill=(90, 60, 40))
        d.rectangle((cx - 40, 115, cx + 40, 340), fill=(40, 70, 140))
    return img


def test_draft_text_engine_is_honest_about_itself():
    assert isinstance(ENGINE, TextEngine)
    assert (ENGINE.name, ENGINE.family, ENGINE.uses_accelerator) == ("draft", "draft", False)
    assert ENGINE.describe()["screenplay_analysis"] is False


@pytest.mark.parametrize(("duration", "lo", "hi"), [(4.0, 2, 3), (6.0, 2, 3), (10.0, 3, 5), (12.0, 3, 5), (20.0, 4, 8)])
def test_video_prompt_length_follows_the_clip_duration(duration, lo, hi):
    out = ENGINE.enhance(PROMPT, mode="video", duration_s=duration).prompt
    assert lo <= len(sentences(out)) <= hi, out
    assert "\n" not in out  # one flowing paragraph


def test_longer_clips_get_richer_prompts():
    short = ENGINE.enhance(PROMPT, mode="video", duration_s=4).prompt
    long = ENGINE.enhance(PROMPT, mode="video", duration_s=20).prompt
    assert len(sentences(long)) > len(sentences(short))


def test_the_users_words_are_kept_and_the_action_comes_first_in_present_progressive():
    out = ENGINE.enhance(PROMPT, mode="video", duration_s=8).prompt
    assert out.startswith("A woman in a red coat is walking through a rainy market at night.")
    for word in ("woman", "red coat", "rainy market", "night"):
        assert word in out
    assert "rain" in sentences(out)[-1]  # the soundscape comes last and hears the rain


def test_plural_subjects_and_nouns_that_look_like_verbs_read_right():
    out = ENGINE.enhance("Ocean waves crash against the black rocks", mode="video").prompt
    assert out.startswith("Ocean waves are crashing against the black rocks.")


def test_long_user_prompts_are_never_cut():
    text = "A man sits. He waits. He looks up. He stands. He leaves the room."
    out = ENGINE.enhance(text, mode="video", duration_s=3).prompt
    for word in ("sitting", "waiting", "looking up", "standing", "leaving the room"):
        assert word in out


def test_camera_comes_only_from_the_shot_type():
    plain = ENGINE.enhance(PROMPT, mode="video", duration_s=10).prompt
    assert "camera" not in plain.lower() and "tracks" not in plain
    tracking = ENGINE.enhance(f"Shot Type: tracking. {PROMPT}", mode="video", duration_s=10).prompt
    assert "tracks alongside" in tracking
    assert "Shot Type" not in tracking
    own = ENGINE.enhance(f"{PROMPT}. The camera pans left.", mode="video", duration_s=10).prompt
    assert own.lower().count("camera") == 1  # the user's camera, nothing added


def test_storyboard_recipe_is_read_and_the_dialogue_kept():
    recipe = 'INT. KITCHEN - NIGHT. Shot Type: close_up. Character: Maya. Dialogue: "You said eight." Maya pours coffee.'
    out = ENGINE.enhance(recipe, mode="video", duration_s=10).prompt
    assert "Maya is pouring coffee." in out
    assert 'Maya says, "You said eight."' in out
    assert "kitchen" in out.lower()


def test_with_a_first_frame_only_changes_are_described(photo):
    text = ENGINE.enhance(PROMPT, mode="video", image=photo, duration_s=20)
    assert not text.is_reference_only
    assert "Image-to-video" in text.note
    assert "focus of the frame" not in text.prompt and "light" not in text.prompt.lower()
    assert text.prompt.startswith("A woman in a red coat is walking")


def test_image_mode_writes_two_to_four_sentences_of_visual_detail():
    for prompt in ("A lighthouse on a cliff at dusk", "A cat. On a mat. In the sun. By a door. Near a tree."):
        out = ENGINE.enhance(prompt, mode="image").prompt
        assert 2 <= len(sentences(out)) <= max(4, len(sentences(prompt)))
        assert prompt.split(".")[0] in out


def test_enhancement_is_deterministic_per_seed():
    a = ENGINE.enhance(PROMPT, mode="video", seed=1, duration_s=10)
    assert a == ENGINE.enhance(PROMPT, mode="video", seed=1, duration_s=10)
    assert {ENGINE.enhance(PROMPT, mode="video", seed=s, duration_s=10).prompt for s in range(8)} != {a.prompt}


def test_a_character_sheet_is_a_reference_not_a_first_frame():
    assert looks_like_reference_sheet(character_sheet(4))
    assert looks_like_reference_sheet(character_sheet(3))
    assert not looks_like_reference_sheet(character_sheet(1))  # a portrait on white
    assert not looks_like_reference_sheet(scene_image())  # a scene
    assert not looks_like_reference_sheet(Image.new("RGB", (400, 300), (255, 255, 255)))
    out = ENGINE.enhance(PROMPT, mode="video", image=character_sheet(), duration_s=10)
    assert out.is_reference_only and "Reference sheet" in out.note
    assert "light" in out.prompt.lower()  # described as text-to-video: the sheet will not be a frame


def test_a_two_by_two_collage_on_white_is_a_reference():
    img = Image.new("RGB", (600, 600), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for x in (60, 340):
        for y in (60, 340):
            d.rectangle((x, y, x + 200, y + 200), fill=tuple(int(v) for v in np.random.default_rng(x + y).integers(0, 180, 3)))
    assert looks_like_reference_sheet(img)


def test_empty_prompts_are_returned_with_a_note():
    out = ENGINE.enhance("   ", mode="video")
    assert out.prompt == "   " and out.note


def test_chat_says_the_regex_parser_is_used_instead():
    with pytest.raises(EngineUnavailable, match="regex"):
        ENGINE.chat("system", "INT. KITCHEN - NIGHT")


def test_shot_types_are_read_on_whole_words():
    from milimo.engines.draft.shots import find_shot_type, normalise_shot_type

    assert normalise_shot_type("Close-Up") == normalise_shot_type("close_up") == normalise_shot_type("CU") == "close_up"
    assert normalise_shot_type("Medium Close Up") == "medium_close_up"
    assert normalise_shot_type("OTS") == "over_the_shoulder"
    assert normalise_shot_type("") == normalise_shot_type("banana") == ""
    assert find_shot_type("A handsome man raises an eyebrow") == ""  # no "hand"/"eye" misfires
    assert find_shot_type("She has wide eyes") == ""
    assert find_shot_type("Tracking shot following Hero as they talk.") == "tracking"
    assert find_shot_type("INT. ALLEY - NIGHT. Shot Type: close_up. Hero waits.") == "close_up"
