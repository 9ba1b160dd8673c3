"""Docs are part of the product: every setting and every event type must be documented."""

from __future__ import annotations

from pathlib import Path

from milimo.config import Settings
from milimo.jobs.events import EVENT_TYPES

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented():
    text = (DOCS / "operations.md").read_text()
    missing = [f"MILIMO_{name.upper()}" for name in Settings.model_fields if f"MILIMO_{name.upper()}" not in text]
    assert not missing, f"document these settings in docs/operations.md: {missing}"


def test_every_event_type_is_documented():
    text = (DOCS / "api.md").read_text()
    missing = [t for t in sorted(EVENT_TYPES) if f"`{t}`" not in text]
    assert not missing, f"document these events in docs/api.md: {missing}"


def test_readme_gives_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
