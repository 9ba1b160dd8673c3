"""Health: version; data dir and database kind only for callers who passed the token check."""

from __future__ import annotations

from fastapi import APIRouter, Request

from milimo import __version__
from milimo.api.deps import SettingsDep, StudioDep
from milimo.exposure.guard import is_authenticated

router = APIRouter(tags=["health"])


@router.get("/health")
async def read_health(request: Request, settings: SettingsDep, studio: StudioDep) -> dict:
    """Is the studio up; to a logged-in caller (or when no token is set), also where it keeps its data."""
    # async on purpose: no I/O, and it should answer even when the thread pool is busy.
    if not is_authenticated(request.scope):
        return {"status": "ok", "version": __version__}  # no paths for strangers (MILIMO_AUTH_TOKEN is set)
    # The executor and its workers (in a cluster: those whose heartbeat was heard lately), from memory.
    return {
        "status": "ok",
        "version": __version__,
        "data_dir": str(settings.data_dir),
        "database": settings.db_kind,
        **studio.executor.describe(),
    }
