"""Engines: which engine serves each capability and why; re-select after the model library changed."""

from __future__ import annotations

from fastapi import APIRouter

from milimo.api.deps import StudioDep
from milimo.studio import engine_selection
from milimo.studio.engine_selection import EnginesOverview

router = APIRouter(prefix="/engines", tags=["engines"])


@router.get("", response_model=EnginesOverview)
def read_engines(studio: StudioDep) -> dict:
    """The active engine per capability (video, image, text), why it was chosen, device and dtype; loaded families."""
    return engine_selection.engines_overview(studio)


@router.post("/refresh", response_model=EnginesOverview)
def refresh_engines(studio: StudioDep) -> dict:
    """Select engines again from the disk; a running job keeps its engine, the next job gets the new choice."""
    engine_selection.refresh_engines(studio)
    return engine_selection.engines_overview(studio)
