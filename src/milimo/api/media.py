"""Media files of a project, with HTTP ranges (video seeking), ETag/Last-Modified and streaming.

Starlette's FileResponse implements single, open-ended, suffix and multiple ranges, If-Range
and 416; we only change how the file is read (MediaFileResponse). Which file, and when a 304 is
due, is studio.media_files.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse

from milimo.api.deps import DbDep, ProjectId, SettingsDep
from milimo.studio.media_files import etag_matches, project_media_file
from milimo.studio.paths import SERVED_FOLDERS

router = APIRouter(tags=["media"])
mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("audio/mp4", ".m4a")


def _unshared(buf: bytearray) -> bool:
    """Whether no one holds a view of `buf`: resizing a bytearray someone holds a view of raises."""
    try:
        buf.append(0)  # within its spare capacity after the first time: no copy
    except BufferError:
        return False
    del buf[-1]
    return True


class _ReusedBuffers:
    """The file as Starlette's FileResponse reads it (seek, read), into at most two reused buffers.

    A fresh 1 MiB bytes per read cost a malloc in a worker thread and a free on the event loop:
    glibc kept the freed chunks in each worker thread's arena, +13.6 MiB of RSS at four
    concurrent downloads. Here a buffer is read into again once it is sent: uvloop keeps a view
    of a body it could not write at once, and a buffer with a view is never refilled (a second
    one is read meanwhile), so no byte on the wire is overwritten."""

    def __init__(self, file: io.FileIO) -> None:
        self.file = file
        self.buffers: list[bytearray] = []

    async def seek(self, offset: int) -> None:
        await anyio.to_thread.run_sync(self.file.seek, offset)

    async def read(self, size: int) -> bytes | bytearray:
        buf = next((b for b in self.buffers if len(b) == size and _unshared(b)), None)
        if buf is None:
            buf = bytearray(size)
            if len(self.buffers) < 2:
                self.buffers.append(buf)
        n = await anyio.to_thread.run_sync(self.file.readinto, buf)
        return buf if n == size else bytes(memoryview(buf)[:n])  # a short read: the end of the file or range


class MediaFileResponse(FileResponse):
    # uvicorn has no zero-copy send (ASGI pathsend). Large reads instead of Starlette's 64 KiB (each
    # read is a hop to a worker thread), into reused buffers: memory stays flat at two per download.
    chunk_size = 512 * 1024

    @contextlib.asynccontextmanager
    async def _open_file(self) -> AsyncIterator[_ReusedBuffers]:  # type: ignore[override]
        # Starlette's one seam for how the file is read, in all three of its paths (whole, one range, many)
        file = await anyio.to_thread.run_sync(open, self.path, "rb", 0)
        try:
            yield _ReusedBuffers(file)
        finally:
            file.close()


def _add(folder: str) -> None:
    route_path = f"/projects/{{project_id}}/{folder}/{{path:path}}"

    def serve(
        request: Request, project_id: ProjectId, path: Annotated[str, Path()], settings: SettingsDep, db: DbDep
    ) -> Response:
        file = project_media_file(db, settings, project_id, folder, path)
        response = MediaFileResponse(file, stat_result=file.stat(), headers={"cache-control": "no-cache"})
        etag = response.headers["etag"]
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"etag": etag, "last-modified": response.headers["last-modified"]})
        return response

    serve.__name__ = f"serve_{folder}"
    serve.__doc__ = f"A file under the project's {folder}/ folder (HTTP ranges supported)."
    router.add_api_route(route_path, serve, methods=["GET"], response_class=FileResponse, name=f"serve_{folder}")
    router.add_api_route(
        route_path, serve, methods=["HEAD"], response_class=FileResponse, name=f"head_{folder}", include_in_schema=False
    )


for _folder in SERVED_FOLDERS:
    _add(_folder)
