"""Our exception types. Each carries a user-facing message and maps to one HTTP status (app.py)."""

from __future__ import annotations

from typing import Any


class StudioError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(StudioError):
    status_code = 404
    code = "not_found"


class Conflict(StudioError):
    status_code = 409
    code = "conflict"


class Invalid(StudioError):
    status_code = 422
    code = "invalid"


class TooLarge(StudioError):
    status_code = 413
    code = "too_large"


class Unsupported(StudioError):
    status_code = 415
    code = "unsupported_media"


class Unavailable(StudioError):
    status_code = 503
    code = "unavailable"
