"""Docs are part of the product: every setting and every event type must be documented."""

from __future__ import annotations

import tomllib
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


def test_every_layer_module_is_in_the_architecture_diagram():
    """The layers contract of pyproject.toml and the diagram of docs/architecture.md name the same modules."""
    contract = next(
        c
        for c in tomllib.loads((DOCS.parent / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
        if c["type"] == "layers"
    )
    modules = [m.strip().removeprefix("milimo.") for layer in contract["layers"] for m in layer.split("|")]
    text = (DOCS / "architecture.md").read_text()
    diagram = text.split("## Layers", 1)[1].split("```", 2)[1]
    src = DOCS.parent / "src" / "milimo"
    missing = [m for m in modules if (f"{m}/" if (src / m).is_dir() else f"{m}.py") not in diagram]
    assert not missing, f"name these in the layer diagram of docs/architecture.md: {missing}"
