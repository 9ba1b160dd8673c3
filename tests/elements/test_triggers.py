"""Trigger words on word boundaries: the reference implementation's misfires (substring matching,
other projects' elements) do not happen; inject gives engines words, a location once."""

from __future__ import annotations

import pytest

from milimo.errors import Invalid
from milimo.studio.elements import ElementView, append_missing, default_trigger, find_triggers, inject, normalise_trigger

HERO = ElementView("e1", "Hero", "character", "a tall woman in a grey coat", "@Hero")
HEROINE = ElementView("e2", "Heroine", "character", "", "@Heroine")
ANN = ElementView("e3", "Ann", "character", "", "@Ann")
ANN_MARIE = ElementView("e4", "Ann-Marie", "character", "a sailor", "@Ann-Marie")
ZOE = ElementView("e5", "Zoë", "character", "", "@Zoë")
DOCKS = ElementView("e6", "The Docks", "location", "rain-soaked piers at night", "@Docks")
SEN = ElementView("e7", "Şen", "object", "", "@Şen")
ALL = [HERO, HEROINE, ANN, ANN_MARIE, ZOE, DOCKS, SEN]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Hero runs", ["e1"]),
        ("@Heroine runs", ["e2"]),  # the reference turned this into "Hero (…)ine"
        ("@heroine and @HERO", ["e2", "e1"]),  # case-insensitive, order of appearance
        ("(@Hero), @Hero. @Hero! @Hero?", ["e1"]),  # punctuation ends a token; one element once
        ("@Hero's coat", ["e1"]),  # a possessive is still the trigger
        ("@Heroes", []),  # a longer word is not
        ("@Hero_2", []),  # "_" continues a word
        ("@Hero-like", []),  # so does an inner hyphen
        ("email@Hero", []),  # not a token start
        ("@@Hero", []),
        ("Hero waits", []),  # the name without "@" is not the trigger (the storyboard matcher handles names)
        ("@Ann-Marie waves", ["e4"]),  # a trigger inside another: the longer wins at its position
        ("@Ann waves at @Ann-Marie", ["e3", "e4"]),
        ("@Anna", []),
        ("@Zoë smiles", ["e5"]),  # unicode letters
        ("@ZOË smiles", ["e5"]),
        ("@Zoëlle", []),
        ("@şen on the table", ["e7"]),
        ("at @Docks, @Hero", ["e6", "e1"]),
        ("", []),
    ],
)
def test_trigger_table(text, expected):
    assert [e.id for e in find_triggers(text, ALL)] == expected


def test_only_the_elements_given_are_found():
    # resolution passes only the project's own elements: another project's "@Hero" is never seen
    assert find_triggers("@Hero and @Zoë", [ZOE]) == [ZOE]
    assert find_triggers("@Hero", []) == []


def test_inject_describes_first_mention_then_names_a_location_once_as_the_setting():
    text = inject("@Hero walks to @Docks; @Hero stops. @Heroine watches", [HERO, HEROINE, DOCKS])
    assert text == (
        "Hero (a tall woman in a grey coat) walks to The Docks; Hero stops. Heroine watches. "
        "Setting: The Docks (rain-soaked piers at night)."
    )
    assert text.count("rain-soaked") == 1
    # matched by the storyboard but not mentioned: a location still becomes the setting, a character is not invented
    assert inject("A slow push in", [DOCKS, HERO]) == "A slow push in. Setting: The Docks (rain-soaked piers at night)."


def test_missing_triggers_are_appended():
    assert append_missing("a portrait", [HERO, ZOE]) == ("a portrait @Hero @Zoë", ["@Hero", "@Zoë"])
    assert append_missing("@hero at dawn", [HERO]) == ("@hero at dawn", [])
    assert append_missing("@Heroine at dawn", [HERO]) == ("@Heroine at dawn @Hero", ["@Hero"])


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("Mara", "@Mara"),
        ("Mara Vale", "@MaraVale"),
        ("Dr. Who", "@DrWho"),
        ("Zoë Ng", "@ZoëNg"),
        ("Ann-Marie", "@Ann-Marie"),
        ("R2-D2", "@R2-D2"),
        ("!!!", "@"),
    ],
)
def test_default_trigger_is_the_name_without_spaces(name, trigger):
    assert default_trigger(name) == trigger


@pytest.mark.parametrize("bad", ["@", "@two words", "@Mara!", "@-x", "@x-", "@a--b", "@" + "x" * 100])
def test_bad_triggers_are_refused(bad):
    with pytest.raises(Invalid):
        normalise_trigger(bad)


def test_triggers_are_stored_with_their_at():
    assert normalise_trigger("Mara") == "@Mara"
    assert normalise_trigger("  @Zoë ") == "@Zoë"
