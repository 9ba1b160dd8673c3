"""GET /events: the one SSE stream (seed §1, §5), with Last-Event-ID replay and keepalives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from milimo.api.deps import BusDep, SettingsDep

router = APIRouter(tags=["events"])


@router.get("/events", response_class=StreamingResponse)
async def stream_events(
    bus: BusDep,
    settings: SettingsDep,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0)] = None,
    since: Annotated[int | None, Query(ge=0, description="same as the Last-Event-ID header")] = None,
) -> StreamingResponse:
    """Server-sent events: progress, complete, error, cancelled, log (and render_*, download_*)."""
    start = last_event_id if last_event_id is not None else since
    return StreamingResponse(
        bus.stream(start, settings.sse_keepalive_s),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
