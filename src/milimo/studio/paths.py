"""Where files live, and the only way a client's words become a file path.

Clients never send file-system paths. They send asset ids or media URLs that the server
issued (`/projects/{project_id}/{folder}/{name}`), and those are resolved here, contained in
the project's own folder: `..`, encoded dots and slashes (already decoded by the router),
absolute paths, backslashes, hidden files (our .part temporaries), symlinks pointing out
and sibling folders that share a name prefix are all refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from milimo.config import Settings
from milimo.errors import Invalid, NotFound
from milimo.studio.ids import is_valid_id

# Folders of a project that media routes serve (workspace/ is private scratch space).
SERVED_FOLDERS = ("generated", "thumbnails", "assets", "masks", "renders")
_MEDIA_URL = re.compile(r"^/projects/(?P<project>[^/]+)/(?P<folder>[^/]+)/(?P<rest>.+)$")


def contained(root: Path, relative: str) -> Path:
    """Resolve `relative` strictly inside `root` (symlinks followed). NotFound otherwise."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/") or re.match(r"^[A-Za-z]:", relative):
        raise NotFound("no such file")
    if any(part.startswith(".") for part in relative.split("/")):
        raise NotFound("no such file")
    root_real = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root_real, relative))
    if target == root_real or os.path.commonpath([root_real, target]) != root_real:
        raise NotFound("no such file")
    return Path(target)


def project_root(settings: Settings, project_id: str) -> Path:
    if not is_valid_id(project_id):
        raise NotFound(f"project {project_id!r} does not exist")
    return settings.project_dir(project_id)


def served_file(settings: Settings, project_id: str, folder: str, relative: str) -> Path:
    """The file behind a media URL, or NotFound. Only regular files inside SERVED_FOLDERS."""
    if folder not in SERVED_FOLDERS:
        raise NotFound("no such file")
    root = project_root(settings, project_id)
    path = contained(root / folder, relative)
    # The folder itself must not be a symlink out of the project either.
    contained(root, os.path.relpath(path, os.path.realpath(root)))
    if not path.is_file():
        raise NotFound("no such file")
    return path


def media_url(project_id: str, relative: str) -> str:
    """The URL the server issues for a file at `relative` inside the project folder."""
    return f"/projects/{project_id}/{relative}"


def resolve_media_url(settings: Settings, project_id: str, url: str) -> Path:
    """A server-issued media URL of THIS project → its file. 422 with a reason otherwise."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    match = _MEDIA_URL.match(path)
    if match is None:
        raise Invalid(f"{url!r} is not a media URL this server issued; use an asset id or a /projects/{{id}}/... URL")
    if match["project"] != project_id:
        raise Invalid(f"{url!r} belongs to another project; upload the file to this project first")
    try:
        return served_file(settings, project_id, match["folder"], match["rest"])
    except NotFound:
        raise Invalid(f"{url!r} does not point at an existing file of this project") from None


def relative_to_project(settings: Settings, project_id: str, path: Path) -> str:
    return os.path.relpath(path, settings.project_dir(project_id)).replace(os.sep, "/")
