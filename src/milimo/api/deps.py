"""Dependencies as Annotated aliases, so routes read `db: DbDep` (full-stack-fastapi-template style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from milimo.config import Settings
from milimo.context import Studio
from milimo.db.database import Database
from milimo.jobs.events import EventBus
from milimo.studio.ids import ID_PATTERN
from milimo.studio.library import ModelLibrary


def get_studio(request: Request) -> Studio:
    return request.app.state.studio


def get_settings(request: Request) -> Settings:
    return request.app.state.studio.settings


def get_db(request: Request) -> Database:
    return request.app.state.studio.db


def get_bus(request: Request) -> EventBus:
    return request.app.state.studio.bus


def get_library(request: Request) -> ModelLibrary:
    return request.app.state.studio.library


StudioDep = Annotated[Studio, Depends(get_studio)]
LibraryDep = Annotated[ModelLibrary, Depends(get_library)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Database, Depends(get_db)]
BusDep = Annotated[EventBus, Depends(get_bus)]

ProjectId = Annotated[str, Path(pattern=ID_PATTERN, description="project id")]
ShotId = Annotated[str, Path(pattern=ID_PATTERN, description="shot id")]
AssetId = Annotated[str, Path(pattern=ID_PATTERN, description="asset id")]
JobId = Annotated[str, Path(pattern=ID_PATTERN, description="job id")]
