"""Which file a media URL names, and whether a client's cached copy is still good.

The HTTP layer (api/media.py) streams the file; what is served and when a 304 is due are
decided here, with no web framework: a folder that is not a project's is never served, and the
path is contained by studio.paths.
"""

from __future__ import annotations

from pathlib import Path

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Project
from milimo.errors import NotFound
from milimo.studio.paths import served_file


def project_media_file(db: Database, settings: Settings, project_id: str, folder: str, relative: str) -> Path:
    """The regular file behind /projects/{project_id}/{folder}/{relative}, or NotFound.

    The project must exist: a folder left on disk by something else is not served."""
    with db.read() as session:
        if session.get(Project, project_id) is None:
            raise NotFound("no such file")
    return served_file(settings, project_id, folder, relative)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names `etag` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return etag.removeprefix("W/") in (t.removeprefix("W/") for t in tags)
