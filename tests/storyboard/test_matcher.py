"""The element matcher: the reference's signals, on word boundaries, deterministic."""

from __future__ import annotations

from milimo.storyboard import ElementIndex, match_elements

HERO = {"id": "e-hero", "name": "Hero", "trigger_word": "@Hero", "type": "character", "description": ""}
HEROINE = {"id": "e-heroine", "name": "Heroine", "trigger_word": "@Heroine", "type": "character", "description": ""}
MARA = {"id": "e-mara", "name": "Mara Quinn", "trigger_word": "@Mara", "type": "character", "description": "keeper"}
LIGHTHOUSE = {"id": "e-lh", "name": "Lighthouse", "trigger_word": "@Lighthouse", "type": "location", "description": ""}
LANTERN = {
    "id": "e-lantern",
    "name": "Storm Lantern",
    "trigger_word": "@lamp",
    "type": "object",
    "description": "brass storm lantern with a cracked green glass chimney",
}
ALL = [HERO, HEROINE, MARA, LIGHTHOUSE, LANTERN]


def sources(**shot) -> dict[str, str]:
    return {m["element_id"]: m["match_source"] for m in match_elements(ALL, **shot)}


def test_a_trigger_does_not_match_inside_a_longer_one():
    assert sources(action="@Heroine opens the door.") == {"e-heroine": "action_trigger_word_prefixed"}
    assert sources(action="@Hero opens the door.") == {"e-hero": "action_trigger_word_prefixed"}
    assert sources(action="@Hero's coat is wet.") == {"e-hero": "action_trigger_word_prefixed"}


def test_character_field_signals_strongest_first():
    assert match_elements(ALL, character="MARA QUINN")[0] | {} == {
        "element_id": "e-mara",
        "element_name": "Mara Quinn",
        "element_type": "character",
        "trigger_word": "@Mara",
        "image_url": None,
        "confidence": 1.0,
        "match_source": "character_field_exact",
    }
    assert sources(character="MARA (V.O.)") == {"e-mara": "character_field_trigger"}
    assert sources(character="QUINN MARA") == {"e-mara": "character_field_trigger"}
    assert sources(character="HEROINE") == {"e-heroine": "character_field_exact"}


def test_names_in_action_and_dialogue_are_whole_phrases():
    assert sources(action="Mara Quinn climbs.") == {"e-mara": "action_trigger_word"}
    assert sources(action="Quinn, soaked, and Mara too.") == {"e-mara": "action_trigger_word"}
    assert sources(action="The storm lantern swings.") == {"e-lantern": "action_name_mention"}
    assert sources(action="A lantern in the storm.") == {"e-lantern": "action_name_tokens"}
    assert sources(dialogue="Where is the Lighthouse keeper?") == {"e-lh": "dialogue_mention"}
    assert sources(action="Mariana climbs.") == {}


def test_a_location_in_the_scene_heading():
    assert sources(scene_heading="INT. LIGHTHOUSE - NIGHT", action="She waits.") == {"e-lh": "scene_heading"}


def test_description_keywords_only_when_most_of_the_description_is_there():
    found = match_elements(ALL, action="A brass lantern with cracked green glass, its chimney sooty.")
    assert [(m["element_id"], m["match_source"]) for m in found] == [("e-lantern", "description_keywords")]
    assert 0.4 <= found[0]["confidence"] <= 0.5
    assert sources(action="A brass bell and green glass.") == {}


def test_sorted_by_confidence_then_name_and_deterministic():
    shot = {"action": "@Hero and the storm lantern.", "character": "MARA QUINN", "scene_heading": "EXT. LIGHTHOUSE - DAY"}
    found = match_elements(ALL, **shot)
    assert [m["element_id"] for m in found] == ["e-mara", "e-hero", "e-lh", "e-lantern"]
    assert found == ElementIndex(list(reversed(ALL))).match(**shot)


def test_elements_without_a_name_or_trigger_are_ignored():
    assert match_elements([{"id": "x", "name": "", "trigger_word": ""}, {"name": "No id"}], action="No id") == []
