"""Health: version, data dir, database kind."""

from __future__ import annotations

from fastapi import APIRouter

from milimo import __version__
from milimo.api.deps import SettingsDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def read_health(settings: SettingsDep) -> dict:
    """Is the studio up, and where does it keep its data."""
    # async on purpose: no I/O, and it should answer even when the thread pool is busy.
    return {"status": "ok", "version": __version__, "data_dir": str(settings.data_dir), "database": settings.db_kind}
