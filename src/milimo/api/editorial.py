"""Editorial interchange: export the cut for editors, and import the cut they send back."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from milimo.api.deps import DbDep, ProjectId, SettingsDep
from milimo.editorial import export
from milimo.editorial.importcut import import_cut
from milimo.editorial.reading import MAX_CUT_BYTES
from milimo.editorial.schemas import ImportReport
from milimo.errors import TooLarge

router = APIRouter(tags=["editorial"])

ExportFormat = Literal["otio", "otioz", "fcp7xml", "fcpxml", "aaf", "edl", "srt", "vtt"]


@router.get(
    "/projects/{project_id}/export",
    response_class=FileResponse,
    responses={200: {"description": "the file, as an attachment"}, 422: {"description": "unknown format or empty timeline"}},
)
def export_cut(
    project_id: ProjectId,
    db: DbDep,
    settings: SettingsDep,
    format: Annotated[
        ExportFormat, Query(description="otio | otioz (with media) | fcp7xml | fcpxml (1.11) | aaf | edl | srt | vtt")
    ],
) -> FileResponse:
    """The timeline as an editorial file: clips, trims and tracks, with each shot's id, prompt, seed and engine."""
    path, fmt, name = export.export_project(db, settings, project_id, format)
    return FileResponse(path, media_type=fmt.mime, filename=name, background=BackgroundTask(export.remove_export, path))


@router.post(
    "/projects/{project_id}/import-cut", response_model=ImportReport, responses={409: {"description": "stale base_version"}}
)
def import_edited_cut(
    request: Request,
    project_id: ProjectId,
    db: DbDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=".otio, FCP 7 XML, FCPXML or AAF from an editor")],
    base_version: Annotated[int, Form(ge=1, description="the project version the client has")],
) -> ImportReport:
    """Re-time the project's shots to an edited cut in one versioned save, and report what changed."""
    if int(request.headers.get("content-length") or 0) > MAX_CUT_BYTES + 1024 * 1024:
        raise TooLarge(f"the cut file is larger than {MAX_CUT_BYTES} bytes")
    data = file.file.read(MAX_CUT_BYTES + 1)
    if len(data) > MAX_CUT_BYTES:
        raise TooLarge(f"the cut file is larger than {MAX_CUT_BYTES} bytes")
    return import_cut(db, settings, project_id, data, base_version)
