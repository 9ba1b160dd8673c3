"""Engine selection: configured engine -> real engine whose weights are present -> draft.

Each capability has a list of real candidates. A candidate class offers
`from_library(models_dir, device=...) -> engine | None` (None when its weights are missing);
modules are imported lazily because the studio runs without the [models] extra.
GET /engines shows the result and the reason for every candidate.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
import threading
from dataclasses import dataclass
from typing import Any, Literal, overload

from milimo.config import Settings
from milimo.engines.draft import DraftImageEngine, DraftInpaintEngine, DraftTextEngine, DraftVideoEngine
from milimo.engines.protocols import Engine, EngineUnavailable, ImageEngine, InpaintEngine, TextEngine, VideoEngine

log = logging.getLogger(__name__)

# capability -> [(engine name, "module:Class")], in order of preference
CANDIDATES: dict[str, list[tuple[str, str]]] = {
    "video": [("ltx2", "milimo.engines.ltx2:LTX2Engine")],
    "image": [("flux2-klein", "milimo.engines.flux2:Flux2KleinEngine")],
    "text": [("gemma3", "milimo.engines.gemma:GemmaTextEngine"), ("ollama", "milimo.engines.ollama:OllamaTextEngine")],
    "inpaint": [("flux2-klein", "milimo.engines.flux2:Flux2KleinEngine")],
}
DRAFTS = {"video": DraftVideoEngine, "image": DraftImageEngine, "text": DraftTextEngine, "inpaint": DraftInpaintEngine}
# What each in-process engine needs installed (the [models] extra); Ollama needs only HTTP.
NEEDS = {
    "ltx2": ("torch", "diffusers", "transformers"),
    "flux2-klein": ("torch", "diffusers", "transformers"),
    "gemma3": ("torch", "transformers"),
}


@dataclass
class Choice:
    engine: Engine
    reason: str
    candidates: list[dict[str, str]]
    why: str = "draft"  # configured | weights_found | draft


def same_engine(a: Engine, b: Engine) -> bool:
    """Built from the same weights and options: the warm one can stay (its run records aside)."""

    def options(e: Engine) -> dict[str, Any]:
        return {k: v for k, v in vars(e).items() if not k.startswith(("_", "last_"))}

    return type(a) is type(b) and options(a) == options(b)


class EngineRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._chosen: dict[str, Choice] = {}
        self._previous: dict[str, Engine] = {}  # engines chosen before a refresh, reused when unchanged

    def configured(self, capability: str) -> str:
        return getattr(self.settings, f"{capability}_engine", "auto")

    @overload
    def get(self, capability: Literal["video"]) -> VideoEngine: ...
    @overload
    def get(self, capability: Literal["image"]) -> ImageEngine: ...
    @overload
    def get(self, capability: Literal["inpaint"]) -> InpaintEngine: ...
    @overload
    def get(self, capability: Literal["text"]) -> TextEngine: ...
    @overload
    def get(self, capability: str) -> Engine: ...

    def get(self, capability: str) -> Engine:
        """The engine serving a capability; typed by capability, so callers get its protocol."""
        return self.choose(capability).engine

    def choose(self, capability: str) -> Choice:
        with self._lock:
            if capability not in self._chosen:
                self._chosen[capability] = self._select(capability)
            return self._chosen[capability]

    def refresh(self) -> None:
        """Forget choices (after a model download or delete); the next request selects again.

        A running job keeps the engine object it holds; the new choice applies to the next job
        (the ModelManager swaps weights of one family only when no job is using them). A choice
        that comes out the same keeps its engine object, so warm weights stay warm.
        """
        with self._lock:
            self._previous.update({cap: c.engine for cap, c in self._chosen.items()})
            self._chosen.clear()

    def _select(self, capability: str) -> Choice:
        wanted = self.configured(capability)
        notes: list[dict[str, str]] = []
        if wanted == "draft":
            return Choice(self._keep(capability, DRAFTS[capability]()), "configured: draft", notes, "configured")
        if wanted == "standin" and capability in ("video", "image"):
            from milimo.engines.standin import StandInImageEngine, StandInVideoEngine

            cls = StandInVideoEngine if capability == "video" else StandInImageEngine
            standin = cls(self.settings.standin_step_s, self.settings.standin_load_s)
            return Choice(self._keep(capability, standin), "configured: hardware stand-in (sleeps per step)", notes, "configured")
        for name, target in CANDIDATES.get(capability, []):
            if wanted not in ("auto", name):
                continue
            engine, status, why = self._try(name, target)
            notes.append({"engine": name, "status": status, "reason": why})
            if engine is not None:
                code = "configured" if wanted == name else "weights_found"
                reason = f"configured and {why}" if code == "configured" else why
                return Choice(self._keep(capability, engine), reason, notes, code)
        if wanted not in ("auto", "draft") and not any(n["engine"] == wanted for n in notes):
            notes.append({"engine": wanted, "status": "unknown", "reason": f"no {capability} engine is called {wanted!r}"})
        reason = "no real engine is ready, using the CPU draft engine"
        if wanted not in ("auto", "draft"):
            reason = f"configured {wanted!r} is not available ({notes[-1]['reason']}); using the CPU draft engine"
        return Choice(self._keep(capability, DRAFTS[capability]()), reason, notes, "draft")

    def _keep(self, capability: str, engine: Engine) -> Engine:
        previous = self._previous.pop(capability, None)
        if previous is not None and same_engine(previous, engine):
            return previous
        for other in self._chosen.values():  # one copy of the weights: inpaint shares the image engine's FLUX.2
            if same_engine(other.engine, engine):
                return other.engine
        return engine

    def _try(self, name: str, target: str) -> tuple[Engine | None, str, str]:
        """(engine or None, status, reason). status: ready | extra_missing | weights_missing | unavailable | failed."""
        module_name, cls_name = target.split(":")
        missing = [m for m in NEEDS.get(name, ()) if importlib.util.find_spec(m) is None]
        if missing:
            return None, "extra_missing", f"the [models] extra is not installed ({', '.join(missing)} missing)"
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except ImportError as exc:
            return None, "extra_missing", f"the [models] extra is not installed ({exc.name or exc})"
        try:
            engine = cls.from_library(self.settings.models_dir, settings=self.settings)
        except EngineUnavailable as exc:
            return None, "unavailable", str(exc)
        except Exception as exc:  # a broken model folder must not take the studio down
            log.exception("engine %s failed to initialise", name)
            return None, "failed", f"failed to initialise: {exc}"
        if engine is None:
            if name == "ollama":
                return (
                    None,
                    "weights_missing",
                    (f"no Ollama server at {self.settings.ollama_url} lists {self.settings.ollama_model!r}"),
                )
            return None, "weights_missing", f"weights not found in {self.settings.models_dir} or the Hugging Face cache"
        if getattr(engine, "weights", None):
            return engine, "ready", f"weights found at {engine.weights}"
        return engine, "ready", f"{getattr(engine, 'model', name)} is served by {getattr(engine, 'base_url', 'its server')}"

    def describe(self) -> dict[str, Any]:
        out = {}
        for capability in ("video", "image", "text"):
            choice = self.choose(capability)
            out[capability] = {
                "engine": choice.engine.name,
                "version": choice.engine.version,
                "configured": self.configured(capability),
                "why": choice.why,
                "reason": choice.reason,
                "candidates": choice.candidates,
                # The grid the engine accepts (frame_step, size_multiple, native_max_frames, ...): the UI snaps with it.
                "capabilities": dataclasses.asdict(choice.engine.capabilities)
                if hasattr(choice.engine, "capabilities")
                else None,
                **choice.engine.describe(),
            }
        return out
