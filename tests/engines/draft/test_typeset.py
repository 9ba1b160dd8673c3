"""Draft cards typeset Arabic, Hebrew, Japanese, Korean, Chinese and emoji with the fonts that ship in the package: no tofu."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, features

from milimo.engines.draft import DraftImageEngine, DraftVideoEngine
from milimo.engines.draft.typeset import FONT_DIR, FONT_FILES, FontStack, bidi_levels, visual_order
from milimo.engines.protocols import ImageRequest, ShotContext, VideoRequest

ttLib = pytest.importorskip("fontTools.ttLib", reason="fontTools checks the fonts' cmaps")

CAPTION = "مرحبا بالعالم — こんにちは世界 안녕하세요 他說話 🎬🌅 Hello שלום"
SHOT = ShotContext(
    scene_heading="INT. 東京 カフェ - NIGHT",
    action="ليلى تصب القهوة ☕ while 雨が降る outside",
    character="LAYLA ليلى",
    dialogue="أين كنت؟ 何してたの? 😊",
    shot_type="close-up",
)


def cmaps() -> dict[str, set[int]]:
    return {name: set(ttLib.TTFont(FONT_DIR / name, lazy=True).getBestCmap()) for name in FONT_FILES}


def glyphs(text: str) -> list[str]:
    return [
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Mn", "Cf") and ord(ch) not in (0xFE0E, 0xFE0F)
    ]


def test_the_fonts_ship_with_the_package_under_their_licence_and_raqm_shapes():
    assert features.check("raqm"), "Pillow without raqm cannot shape Arabic; the pinned wheel carries it"
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1
    sizes = {name: (FONT_DIR / name).stat().st_size for name in FONT_FILES}
    assert sum(sizes.values()) < 8_000_000, sizes  # subsets: the whole CJK collection alone is 19 MB
    stored = json.loads((FONT_DIR / "coverage.json").read_text())
    for name, cps in cmaps().items():  # the coverage table the typesetter reads is the fonts' own cmap
        assert {cp for a, b in stored[name] for cp in range(a, b + 1)} == cps, name


def test_every_glyph_of_the_card_text_comes_from_a_font_that_has_it():
    maps = cmaps()
    stack = FontStack(32)
    text = " ".join([CAPTION, SHOT.scene_heading, SHOT.action, SHOT.character, SHOT.dialogue])
    for index, run, _ in stack.runs(text):
        for ch in glyphs(run):
            assert ord(ch) in maps[FONT_FILES[index]], f"{ch!r} U+{ord(ch):04X} set in {FONT_FILES[index]}"
    # Korean (KS X 1001's 2,350 syllables) and Traditional Chinese (Big5's common characters) are in the CJK subset.
    assert all(ord(ch) in maps["NotoSansCJKjp-Subset.otf"] for ch in "안녕하세요 한국어 說話 這裡 臺灣".replace(" ", ""))
    used = {FONT_FILES[i] for i, _, _ in stack.runs(text)}
    assert {
        "NotoSansArabic-Regular.ttf",
        "NotoSansCJKjp-Subset.otf",
        "NotoEmoji-Regular.ttf",
        "NotoSansHebrew-Regular.ttf",
    } <= used


def test_no_glyph_draws_as_the_missing_glyph_box():
    stack = FontStack(40)
    text = CAPTION + SHOT.action + SHOT.dialogue
    for index, run, _ in stack.runs(text):
        face = stack.face(index)
        tofu = np.asarray(face.getmask("\U0010fffd"))  # a code point no font maps: its .notdef box
        for ch in glyphs(run):
            mask = np.asarray(face.getmask(ch))
            assert mask.any(), f"{ch!r} draws nothing"
            assert mask.shape != tofu.shape or not np.array_equal(mask, tofu), f"{ch!r} draws the missing-glyph box"


def test_right_to_left_lines_read_right_to_left_with_left_to_right_runs_kept():
    text = "ليلى ☕ while 雨"
    order = visual_order(bidi_levels(text, True))
    shown = "".join(text[i] for i in order)
    assert shown.startswith("while 雨") and shown.endswith("ىليل")  # the Arabic word is rightmost, reversed for display
    stack = FontStack(24)
    runs = stack.runs("Hello مرحبا")
    assert [(FONT_FILES[i], t, rtl) for i, t, rtl in runs] == [
        ("NotoSans-Regular.ttf", "Hello ", False),
        ("NotoSansArabic-Regular.ttf", "مرحبا", True),
    ]


def test_cards_with_arabic_japanese_and_emoji_render_and_differ_from_a_card_of_boxes(tmp_path: Path):
    video = DraftVideoEngine().generate(
        VideoRequest(prompt=CAPTION, width=768, height=512, num_frames=9, context=SHOT), lambda s, t: None
    )
    card = next(iter(video.frames))
    board = DraftImageEngine().generate(ImageRequest(prompt=CAPTION, width=768, height=512, context=SHOT), lambda s, t: None)
    Image.fromarray(card).save(tmp_path / "title_card.png")  # kept for a look: pytest --basetemp
    board.save(tmp_path / "storyboard_card.png")
    boxes = "\U0010fffd" * len(CAPTION)
    plain = DraftImageEngine().generate(
        ImageRequest(prompt=boxes, width=768, height=512, context=ShotContext(shot_type="close-up")), lambda s, t: None
    )
    band = slice(390, 512)  # the caption band of the storyboard card
    assert not np.array_equal(np.asarray(board)[band], np.asarray(plain)[band])
    # the Arabic dialogue line is set on the right of the title card's centre column, as right-to-left text starts
    im = Image.new("RGB", (400, 60), "black")
    FontStack(28).draw(ImageDraw.Draw(im), (10, 10), "مرحبا", "white")
    ink = np.asarray(im.convert("L")) > 128
    assert ink.any() and ink[:, :10].sum() == 0
