"""Reading GET /projects/{id} in tests as the web client reads it (api/types.ts: splitShot): each
shot with the fields the state leaves out at their default filled back in."""

from __future__ import annotations

import copy

from milimo.studio.schemas import DEFAULT_IN_STATE


def whole_shot(shot: dict) -> dict:
    return {**copy.deepcopy(DEFAULT_IN_STATE), **shot}


def state_shots(state: dict) -> list[dict]:
    """The state's shots, every field present (project_id aside)."""
    return [whole_shot(s) for s in state["shots"]]
