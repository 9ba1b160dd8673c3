"""Run the segmentation service: `milimo sam-service` (always on loopback)."""

from __future__ import annotations

import ipaddress

from milimo.config import Settings


class NotLoopback(ValueError):
    pass


def require_loopback(host: str) -> str:
    """The service has no authentication: it may listen on a loopback address only."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise NotLoopback(
        f"the segmentation service listens only on loopback (127.0.0.1 or ::1), not {host!r}; "
        "it has no authentication and the studio reaches it locally"
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None) -> None:
    import uvicorn

    from milimo.sam_service.app import create_service_app

    host = require_loopback(host)
    app = create_service_app(settings)
    uvicorn.run(app, host=host, port=port or settings.sam_port, log_level=settings.log_level, timeout_graceful_shutdown=5)
