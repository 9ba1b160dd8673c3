"""Engine selection as the studio reports it: which engine serves each capability, and re-selection
after the model library changed (a running job keeps the engine it holds)."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict

from milimo.jobs.events import ENGINES_CHANGED
from milimo.jobs.services import Services

log = logging.getLogger(__name__)


class EngineCandidate(BaseModel):
    engine: str
    status: str  # ready | weights_missing | extra_missing | unavailable | failed | unknown
    reason: str


class EngineGrid(BaseModel):
    """What an engine accepts (video engines fill the frame fields, image engines the reference fields)."""

    size_multiple: int
    min_size: int
    max_size: int
    native_max_frames: int | None = None
    frame_step: int | None = None
    accepts_images: bool | None = None
    accepts_keyframes: bool | None = None
    accepts_video: bool | None = None
    returns_audio: bool | None = None
    exposes_latents: bool | None = None
    max_references: int | None = None
    supports_negative_prompt: bool | None = None
    supports_true_cfg: bool | None = None


class EngineInfo(BaseModel):
    """The engine serving one capability. Engines add their own details (weights, offload, ...)."""

    model_config = ConfigDict(extra="allow")
    engine: str
    version: str
    configured: str
    why: str  # configured | weights_found | draft
    reason: str
    candidates: list[EngineCandidate]
    capabilities: EngineGrid | None = None
    device: str | None = None
    dtype: str | None = None
    loaded: bool | None = None


class EnginesOverview(BaseModel):
    engines: dict[str, EngineInfo]  # video, image, text
    loaded: list[str]  # model families resident on the device
    in_use: dict[str, int]
    executor: str = "local"  # local | ray | external
    workers: list[dict[str, Any]] = []  # each worker: name, device, active jobs, loaded families, load counts
    device: str


def refresh_engines(services: Services) -> None:
    """Select engines again from what is on disk now; a running job keeps the engine it holds.

    Then say so on the bus: browsers reload the header's chips and the library, and in a cluster
    the bus's relay carries the event to every replica and worker, which select again too (they
    read the same model folder; cluster/node.py, cluster/front.py)."""
    services.engines.refresh()
    try:
        services.engines.describe()  # select now, off the request path of the next job
    except Exception:
        log.exception("engine selection failed after a library change")
    services.bus.publish(ENGINES_CHANGED, {})


def engines_overview(services: Services) -> dict[str, Any]:
    """The active engine per capability and why, with its device and dtype; what the ModelManager holds."""
    engines = services.engines.describe()
    for info in engines.values():
        if info.get("dtype") is None:
            info.update(_planned_device(info))
    manager = services.residency.status()
    return {
        "engines": engines,
        "loaded": manager["loaded"],
        "in_use": manager["in_use"],
        "device": services.settings.device,
        **services.executor.describe(),
    }


def _planned_device(info: dict[str, Any]) -> dict[str, Any]:
    """Device and dtype an engine will use once loaded (engines report them only after load)."""
    if info.get("engine") in ("draft", "ollama") or importlib.util.find_spec("torch") is None:
        return {}
    from milimo.engines.runtime import plan_device

    try:
        plan = plan_device(str(info.get("device") or "auto"))
    except Exception as exc:
        return {"device_error": str(exc)}
    return {**plan.describe(), "planned": True}
