"""Media files of a project, with HTTP ranges (video seeking), ETag/Last-Modified and streaming.

Starlette's FileResponse streams from disk in 64 KiB chunks and implements single, open-ended,
suffix and multiple ranges, If-Range and 416. We add containment (studio.paths) and 304s.
"""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse

from milimo.api.deps import DbDep, ProjectId, SettingsDep
from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Project
from milimo.errors import NotFound
from milimo.studio.paths import SERVED_FOLDERS, served_file

router = APIRouter(tags=["media"])
mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("audio/mp4", ".m4a")


def _serve(request: Request, settings: Settings, db: Database, project_id: str, folder: str, path: str) -> Response:
    with db.read() as session:
        if session.get(Project, project_id) is None:  # a folder that is not a project is never served
            raise NotFound("no such file")
    file = served_file(settings, project_id, folder, path)
    response = FileResponse(file, stat_result=file.stat(), headers={"cache-control": "no-cache"})
    etag = response.headers["etag"]
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"etag": etag, "last-modified": response.headers["last-modified"]})
    return response


def _add(folder: str) -> None:
    route_path = f"/projects/{{project_id}}/{folder}/{{path:path}}"

    def serve(request: Request, project_id: ProjectId, path: Annotated[str, Path()], settings: SettingsDep, db: DbDep) -> Response:
        return _serve(request, settings, db, project_id, folder, path)

    serve.__name__ = f"serve_{folder}"
    serve.__doc__ = f"A file under the project's {folder}/ folder (HTTP ranges supported)."
    router.add_api_route(route_path, serve, methods=["GET"], response_class=FileResponse, name=f"serve_{folder}")
    router.add_api_route(route_path, serve, methods=["HEAD"], response_class=FileResponse, name=f"head_{folder}",
                         include_in_schema=False)


for _folder in SERVED_FOLDERS:
    _add(_folder)
