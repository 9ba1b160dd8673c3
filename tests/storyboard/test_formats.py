"""FDX, free paragraphs, numbered lists, auto detection, and input that is not a screenplay."""

from __future__ import annotations

import random

import pytest

from milimo.errors import Invalid
from milimo.storyboard import detect_mode, parse_script
from milimo.storyboard.fdx import parse_fdx, write_fdx
from tests.storyboard.conftest import fixture_text


def story(board):
    return [
        (sc.heading, sc.scene_number, [(s.kind, s.character, s.action, s.dialogue, s.dual, s.transition) for s in sc.shots])
        for sc in board.scenes
    ]


def test_the_fdx_fixture_reads_as_the_same_story_as_the_fountain_one():
    fdx = parse_script(fixture_text("three_scenes.fdx"))
    fountain = parse_script(fixture_text("three_scenes.fountain"))
    assert fdx.mode == "fdx" and fountain.mode == "fountain"
    assert story(fdx) == story(fountain)
    assert fdx.title_page == fountain.title_page


def test_fdx_scene_line_ranges_are_lines_of_the_xml():
    text = fixture_text("three_scenes.fdx")
    board = parse_fdx(text)
    lighthouse = board.scenes[1]
    assert lighthouse.source_text.splitlines()[0].strip() == '<Paragraph Number="1" Type="Scene Heading">'
    assert "INT. LIGHTHOUSE - NIGHT" in lighthouse.source_text and "EXT. CLIFF" not in lighthouse.source_text


def test_style_runs_of_one_paragraph_are_one_text():
    board = parse_fdx(fixture_text("three_scenes.fdx"))
    assert board.scenes[1].shots[0].action == (
        "MARA, a handsome keeper in her sixties, climbs the spiral stair. Close up on her hand gripping the rail."
    )


def test_written_fdx_reads_back_the_same():
    board = parse_script(fixture_text("three_scenes.fountain"))
    again = parse_fdx(write_fdx(board))
    assert story(again) == story(board) and again.title_page == board.title_page


def test_malformed_fdx_is_a_clear_error():
    with pytest.raises(Invalid, match=r"not well-formed XML \(line 9"):
        parse_script(fixture_text("malformed.fdx"))


def test_an_xml_bomb_is_refused_before_expansion():
    with pytest.raises(Invalid, match="declares a DTD or entities"):
        parse_script(fixture_text("xml_bomb.fdx"), "fdx")


def test_xml_that_is_not_final_draft():
    with pytest.raises(Invalid, match="not a Final Draft file"):
        parse_script('<?xml version="1.0"?><html><body>hi</body></html>')


def test_freeform_paragraphs_are_shots_and_name_colon_is_dialogue():
    board = parse_script(fixture_text("paragraphs.txt"))
    assert board.mode == "freeform"
    [scene] = board.scenes
    assert scene.heading == ""
    assert [(s.kind, s.character) for s in scene.shots] == [
        ("action", ""),
        ("action", ""),
        ("action", ""),
        ("dialogue", "Tom"),
        ("action", ""),
    ]
    assert scene.shots[2].action == "At the top she finds a letter pinned to the lens, the paper still damp from the storm."
    assert (scene.shots[2].line_start, scene.shots[2].line_end) == (5, 6)


def test_numbered_shot_lists():
    board = parse_script(fixture_text("numbered.txt"))
    assert board.mode == "numbered" and "5 of 7" in board.why
    shots = board.scenes[0].shots
    assert [s.action or s.dialogue for s in shots] == [
        "Storyboard for the lighthouse opening (draft 3)",
        "Aerial view of the lighthouse at dusk, waves breaking on the rocks.",
        "Mara climbs the spiral stair, lantern in hand. The light swings across the curved wall.",
        "Close up on the letter pinned to the lens.",
        "Who's up there?",
        "Wide shot: Mara at the rail, the letter torn from her fingers by the wind.",
    ]
    assert [s.shot_type for s in shots[1:]] == ["aerial", "medium", "close_up", "medium", "wide"]
    assert shots[4].character == "Tom"


def test_numbered_mode_without_numbers_falls_back_to_paragraphs():
    board = parse_script("One shot.\n\nAnother.", "numbered")
    assert board.mode == "freeform" and "no numbered lines" in board.why


def test_title_page_only_gives_no_scenes_and_says_so():
    board = parse_script(fixture_text("title_page_only.fountain"))
    assert board.mode == "fountain" and board.scenes == []
    assert board.title_page["title"] == "The Night Shift"
    assert board.notes == ["no scenes or shots were found (only a title page)"]


@pytest.mark.parametrize(
    "text, mode",
    [
        ("<?xml version='1.0'?><FinalDraft/>", "fdx"),
        ("\nEXT. CLIFF - DAY\n\nWind.", "fountain"),
        ("Title: X\n\nSome text.", "fountain"),
        ("1. A.\n2. B.\nnotes", "numbered"),
        ("\nMARA\nHi.\n\nTOM\nHello.\n", "fountain"),
        ("A story.\n\nIn two paragraphs.", "freeform"),
        ("1. Only one numbered line.\n\nand prose\n\nand more prose", "freeform"),
    ],
)
def test_auto_detection(text, mode):
    assert detect_mode(text)[0] == mode


def test_empty_input_is_refused():
    for text in ("", "   \n\t\n"):
        with pytest.raises(Invalid, match="empty"):
            parse_script(text)


def test_binary_garbage_is_refused():
    rng = random.Random(7)
    garbage = bytes(rng.randrange(256) for _ in range(4096)).decode("latin-1")
    with pytest.raises(Invalid, match="not text"):
        parse_script(garbage)


def test_a_megabyte_of_text_parses_sanely():
    sentence = "The waves keep breaking on the rocks below the lighthouse. "
    text = sentence * (1_000_000 // len(sentence))  # one paragraph with no blank line
    board = parse_script(text)
    shots = board.shots()
    assert board.mode == "freeform" and 200 < len(shots) < 400
    assert all(len(s.action) <= 4_000 for s in shots)
    assert sum(len(s.action) for s in shots) >= len(text.strip()) - len(shots)


def test_windows_newlines_and_a_byte_order_mark():
    board = parse_script("\ufeffINT. A - DAY\r\n\r\nShe waits.\r\n")
    assert [(sc.heading, [s.action for s in sc.shots]) for sc in board.scenes] == [("INT. A - DAY", ["She waits."])]
