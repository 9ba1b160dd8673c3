"""Engine selection: configured engine -> real engine whose weights are present -> draft.

Each capability has a list of real candidates. A candidate class offers
`from_library(models_dir, device=...) -> engine | None` (None when its weights are missing);
modules are imported lazily because the studio runs without the [models] extra.
GET /engines shows the result and the reason for every candidate.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from typing import Any

from milimo.config import Settings
from milimo.engines.draft import DraftImageEngine, DraftTextEngine, DraftVideoEngine
from milimo.engines.protocols import Engine, EngineUnavailable

log = logging.getLogger(__name__)

# capability -> [(engine name, "module:Class")], in order of preference
CANDIDATES: dict[str, list[tuple[str, str]]] = {
    "video": [("ltx2", "milimo.engines.ltx2:LTX2Engine")],
    "image": [("flux2-klein", "milimo.engines.flux2:Flux2KleinEngine")],
    "text": [("gemma3", "milimo.engines.gemma:GemmaTextEngine"), ("ollama", "milimo.engines.ollama:OllamaTextEngine")],
}
DRAFTS = {"video": DraftVideoEngine, "image": DraftImageEngine, "text": DraftTextEngine}


@dataclass
class Choice:
    engine: Engine
    reason: str
    candidates: list[dict[str, str]]


class EngineRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._chosen: dict[str, Choice] = {}

    def configured(self, capability: str) -> str:
        return getattr(self.settings, f"{capability}_engine", "auto")

    def get(self, capability: str) -> Engine:
        return self.choose(capability).engine

    def choose(self, capability: str) -> Choice:
        with self._lock:
            if capability not in self._chosen:
                self._chosen[capability] = self._select(capability)
            return self._chosen[capability]

    def refresh(self) -> None:
        """Forget choices (after a model download or delete); the next request selects again."""
        with self._lock:
            self._chosen.clear()

    def _select(self, capability: str) -> Choice:
        wanted = self.configured(capability)
        notes: list[dict[str, str]] = []
        if wanted == "draft":
            return Choice(DRAFTS[capability](), "configured: draft", notes)
        for name, target in CANDIDATES.get(capability, []):
            if wanted not in ("auto", name):
                continue
            engine, why = self._try(name, target)
            notes.append({"engine": name, "status": "ready" if engine else "unavailable", "reason": why})
            if engine is not None:
                return Choice(engine, f"{'configured' if wanted == name else 'weights found'}: {why}", notes)
        if wanted not in ("auto", "draft") and not any(n["engine"] == wanted for n in notes):
            notes.append({"engine": wanted, "status": "unknown", "reason": f"no {capability} engine is called {wanted!r}"})
        reason = "no real engine is ready, using the CPU draft engine"
        if wanted not in ("auto", "draft"):
            reason = f"configured {wanted!r} is not available ({notes[-1]['reason']}); using the CPU draft engine"
        return Choice(DRAFTS[capability](), reason, notes)

    def _try(self, name: str, target: str) -> tuple[Engine | None, str]:
        module_name, cls_name = target.split(":")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except ImportError as exc:
            return None, f"the [models] extra is not installed ({exc.name or exc})"
        try:
            engine = cls.from_library(self.settings.models_dir, settings=self.settings)
        except EngineUnavailable as exc:
            return None, str(exc)
        except Exception as exc:  # a broken model folder must not take the studio down
            log.exception("engine %s failed to initialise", name)
            return None, f"failed to initialise: {exc}"
        if engine is None:
            return None, f"weights not found in {self.settings.models_dir} or the Hugging Face cache"
        return engine, "weights found"

    def describe(self) -> dict[str, Any]:
        out = {}
        for capability in ("video", "image", "text"):
            choice = self.choose(capability)
            out[capability] = {
                "engine": choice.engine.name,
                "version": choice.engine.version,
                "configured": self.configured(capability),
                "reason": choice.reason,
                "candidates": choice.candidates,
                **choice.engine.describe(),
            }
        return out
