"""Takes: every generated take of a project's shots, with readable names and out-of-date marks.

Choosing one is an ordinary save of the shot's `media_asset_id` (PUT /projects/{id}/save).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from milimo.api.deps import DbDep, ProjectId, SettingsDep
from milimo.studio import takes
from milimo.studio.ids import ID_PATTERN
from milimo.studio.takes import TakeList

router = APIRouter(tags=["takes"])


@router.get("/projects/{project_id}/takes", response_model=TakeList, responses={404: {"description": "No such project"}})
def read_takes(
    project_id: ProjectId, db: DbDep, settings: SettingsDep, shot_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None
) -> dict:
    """Every take of every shot (or of one shot): what it was made with, what changed since, which one the shot shows."""
    return takes.list_takes(db, settings, project_id, shot_id)
