"""Storyboard fixtures: screenplays written for these tests (tests/storyboard/fixtures/)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def three_scenes() -> str:
    return fixture_text("three_scenes.fountain")
