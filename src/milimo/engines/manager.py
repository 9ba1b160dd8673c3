"""The ModelManager: which weights are on the device, and who is using them.

One family of weights is resident per device at a time (LTX-2 and Flux 2 do not fit together on
most GPUs). `use(engine)` loads the engine's family, first unloading any other family (seed §1:
"Unload previous pipeline (gc + cache clear)"), and keeps it warm afterwards. A family in use
by a running job is never unloaded under it: a job that needs another family waits, and so
does a job holding a newer engine object of the same family (after POST /engines/refresh).
CPU engines (uses_accelerator = False) never touch the device and never wait.

Exception: an engine whose weights are all inside another resident engine's (the Gemma prompt
enhancer and LTX-2.0/2.3, which share one Gemma object through runtime.shared_model) stays beside
it: unloading it would free nothing, and reloading it would cost a 24 GB read.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from milimo.engines.protocols import Engine

log = logging.getLogger(__name__)


def coresident(a: Engine, b: Engine) -> bool:
    """True when one engine's weight folders are all among the other's (loading both costs no extra copy)."""
    fa: set[str] = getattr(a, "weight_folders", lambda: set())()
    fb: set[str] = getattr(b, "weight_folders", lambda: set())()
    return bool(fa) and bool(fb) and (fa <= fb or fb <= fa)


def free_device_memory() -> None:
    gc.collect()
    torch = sys.modules.get("torch")  # never import torch just to free it: draft-only studios have none loaded
    if torch is None:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    mps = getattr(torch, "mps", None)
    if mps is not None and torch.backends.mps.is_available():
        mps.empty_cache()


class ModelManager:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._loaded: dict[str, Engine] = {}
        self._in_use: Counter[str] = Counter()
        self._loads: Counter[str] = Counter()  # how often each family was loaded: reloads are the cost affinity saves

    @contextlib.contextmanager
    def use(self, engine: Engine, on_status: Callable[[str], None] | None = None) -> Iterator[Engine]:
        """Hold `engine` loaded on the device for the duration of the block."""
        if not engine.uses_accelerator:
            yield engine
            return
        family = engine.family

        def free_for_us() -> bool:
            # No other family in use; and another engine object of our family (engine selection was
            # refreshed) is swapped out only once no job is using it.
            if any(n for f, n in self._in_use.items() if f != family and not self._shares(f, engine)):
                return False
            return self._loaded.get(family) in (None, engine) or self._in_use[family] == 0

        with self._cond:
            self._cond.wait_for(free_for_us)
            for other in [f for f in self._loaded if f != family and not self._shares(f, engine)]:
                if on_status:
                    on_status(f"Unloading {other}...")
                log.info("unloading %s to make room for %s", other, family)
                self._loaded.pop(other).unload()
                free_device_memory()
            if self._loaded.get(family) is not engine:
                if family in self._loaded:
                    self._loaded.pop(family).unload()
                    free_device_memory()
                if on_status:
                    on_status("Loading models...")
                engine.load()
                self._loads[family] += 1
                self._loaded[family] = engine
            self._in_use[family] += 1
        try:
            yield engine
        finally:
            with self._cond:
                self._in_use[family] -= 1
                self._cond.notify_all()

    def _shares(self, family: str, engine: Engine) -> bool:
        other = self._loaded.get(family)
        return other is not None and coresident(other, engine)

    def evict(self, uses: Callable[[Engine], bool]) -> list[str]:
        """Unload every resident engine for which `uses(engine)` holds (its weights are about to be deleted).

        Returns the families among them that a running job is using; then nothing is unloaded.
        """
        with self._cond:
            hit = [f for f, e in self._loaded.items() if uses(e)]
            busy = [f for f in hit if self._in_use[f]]
            if busy:
                return busy
            for family in hit:
                log.info("unloading %s: its weights are being deleted", family)
                self._loaded.pop(family).unload()
            if hit:
                free_device_memory()
            return []

    def resident(self) -> list[tuple[Engine, bool]]:
        """(engine, in use by a running job) for every engine whose weights are loaded."""
        with self._cond:
            return [(e, self._in_use[f] > 0) for f, e in self._loaded.items()]

    def unload_all(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: sum(self._in_use.values()) == 0, timeout=30)
            if not self._loaded:
                return
            for family in list(self._loaded):
                self._loaded.pop(family).unload()
            free_device_memory()

    def status(self) -> dict[str, Any]:
        with self._cond:
            return {
                "loaded": sorted(self._loaded),
                "in_use": {f: n for f, n in self._in_use.items() if n},
                "loads": dict(self._loads),
            }
