"""What every draft engine shares: its identity, and having no weights to load."""

from __future__ import annotations

from typing import Any

VERSION = "1.0"


class DraftEngine:
    name = "draft"
    version = VERSION
    family = "draft"
    uses_accelerator = False
    kind = ""  # what it makes, for GET /engines
    details: dict[str, Any] = {}

    def load(self) -> None:
        """Nothing to load: a draft needs no weights."""

    def unload(self) -> None:
        """Nothing to unload."""

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "kind": self.kind, "device": "cpu", "weights": None, **self.details}
