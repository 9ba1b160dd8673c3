"""The editorial layer's own user-facing errors (they map to HTTP statuses like every StudioError)."""

from __future__ import annotations

from milimo.errors import StudioError


class BadCutFile(StudioError):
    """An imported cut that cannot be read: not OTIO / FCP XML, malformed, hostile or over a cap."""

    status_code = 422
    code = "bad_cut_file"


class NothingToExport(StudioError):
    status_code = 422
    code = "empty_timeline"
