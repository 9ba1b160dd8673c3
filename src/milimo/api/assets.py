"""Uploads and assets."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from milimo.api.deps import AssetId, DbDep, ProjectId, SettingsDep
from milimo.studio import assets, clip_frames
from milimo.studio.ids import ID_PATTERN
from milimo.studio.schemas import AssetPublic

router = APIRouter(tags=["assets"])


@router.post("/upload", response_model=AssetPublic, status_code=201)
def upload(
    db: DbDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="image, video or audio")],
    project_id: Annotated[str, Form(pattern=ID_PATTERN)],
    kind: Annotated[
        Literal["general", "element", "reference", "mask"],
        Form(description='"mask": a mask painted in the mask editor (an image; kept out of reference pickers)'),
    ] = "general",
) -> dict:
    """Upload media into a project; the response gives an asset id and a URL, never a path.
    Its size is capped while it arrives (milimo.exposure.limits), and again while it is copied."""
    return assets.upload_asset(db, settings, project_id, kind, file.filename, file.file)


@router.get("/projects/{project_id}/assets", response_model=list[AssetPublic])
def read_assets(
    project_id: ProjectId,
    db: DbDep,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    media_type: Annotated[Literal["image", "video", "audio"] | None, Query()] = None,
) -> list[dict]:
    """This project's assets, newest first."""
    return assets.list_assets(db, project_id, kind, media_type)


@router.get("/assets/{asset_id}", response_model=AssetPublic)
def read_asset(asset_id: AssetId, db: DbDep) -> dict:
    """One asset."""
    return assets.get_asset(db, asset_id)


class FrameRequest(BaseModel):
    """Which frame of the clip to take, and the project it must belong to."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    project_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    frame: Annotated[int, Field(ge=0, le=10_000_000, description="0-based frame of the video, at its own rate")]


@router.post("/assets/{asset_id}/frame", response_model=AssetPublic, status_code=201)
def create_frame_still(asset_id: AssetId, body: FrameRequest, db: DbDep, settings: SettingsDep) -> dict:
    """One frame of a video asset as a new still (kind "frame", meta: source_asset_id, frame_index), e.g. to mask it."""
    return clip_frames.frame_as_still(db, settings, body.project_id, asset_id, body.frame)


@router.delete("/assets/{asset_id}")
def delete_asset(
    asset_id: AssetId,
    db: DbDep,
    settings: SettingsDep,
    force: bool = False,
    base_version: Annotated[
        int | None,
        Query(ge=1, description="the project version the client has; checked when force detaches the asset from shots"),
    ] = None,
) -> dict:
    """Delete an asset and its file (409 while shots or elements use it, unless force=true)."""
    return assets.delete_asset(db, settings, asset_id, force, base_version)
