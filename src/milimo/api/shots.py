"""Shots: patch one shot, split at a frame."""

from __future__ import annotations

from fastapi import APIRouter

from milimo.api.deps import DbDep, ShotId
from milimo.studio import shots
from milimo.studio.schemas import ShotChange, ShotUpdate, SplitRequest, SplitResult

router = APIRouter(tags=["shots"])


@router.patch("/shots/{shot_id}", response_model=ShotChange)
def update_shot(shot_id: ShotId, body: ShotUpdate, db: DbDep) -> dict:
    """Change the named client-owned fields of one shot."""
    return shots.patch_shot(db, shot_id, body)


@router.post("/shots/{shot_id}/split", response_model=SplitResult)
def split_shot(shot_id: ShotId, body: SplitRequest, db: DbDep) -> dict:
    """Split a shot at a frame inside its trimmed range; both parts keep the same take."""
    return shots.split_shot(db, shot_id, body)
