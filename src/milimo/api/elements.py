"""Elements (characters, locations, objects) and the image gallery (docs/elements.md, seed §2, §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from milimo.api.deps import DbDep, ProjectId, SettingsDep, StudioDep
from milimo.studio import element_store, images
from milimo.studio.element_schemas import (
    ElementCreate,
    ElementDeleted,
    ElementPublic,
    ElementUpdate,
    ImagePage,
    ImageQueued,
    VisualizeRequest,
)
from milimo.studio.ids import ID_PATTERN

router = APIRouter(tags=["elements"])
ElementId = Annotated[str, Path(pattern=ID_PATTERN, description="element id")]


@router.post("/projects/{project_id}/elements", response_model=ElementPublic, status_code=201)
def create_element(project_id: ProjectId, body: ElementCreate, db: DbDep) -> dict:
    """Create an element; its trigger defaults to "@" + the name without spaces and is unique in the project (409)."""
    return element_store.create_element(db, project_id, body)


@router.get("/projects/{project_id}/elements", response_model=list[ElementPublic])
def read_elements(project_id: ProjectId, db: DbDep) -> list[dict]:
    """The project's elements, oldest first, each with its reference images in order (the first is the primary)."""
    return element_store.list_elements(db, project_id)


@router.get("/elements/{element_id}", response_model=ElementPublic)
def read_element(element_id: ElementId, db: DbDep) -> dict:
    """One element."""
    return element_store.get_element(db, element_id)


@router.patch("/elements/{element_id}", response_model=ElementPublic)
def update_element(element_id: ElementId, body: ElementUpdate, db: DbDep) -> dict:
    """Change the fields sent; image_asset_ids replaces the reference images and their order."""
    return element_store.update_element(db, element_id, body)


@router.delete("/elements/{element_id}", response_model=ElementDeleted)
def delete_element(
    element_id: ElementId,
    db: DbDep,
    settings: SettingsDep,
    base_version: Annotated[
        int | None, Query(ge=1, description="the project version the client has; checked when shots lose the element")
    ] = None,
) -> dict:
    """Delete an element: shots' matched_elements lose it, and images only it used are deleted."""
    return element_store.delete_element(db, settings, element_id, base_version)


@router.post("/elements/{element_id}/visualize", response_model=ImageQueued)
def visualize_element(element_id: ElementId, studio: StudioDep, body: VisualizeRequest | None = None) -> dict:
    """Queue a character sheet / location concept / object design; the result becomes one of its reference images."""
    return {"status": "queued", **images.submit_visualize(studio, element_id, body or VisualizeRequest())}


@router.get("/projects/{project_id}/images", response_model=ImagePage)
def read_images(
    project_id: ProjectId,
    db: DbDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    include_uploads: Annotated[
        bool, Query(description="every image of the project (uploads and element references too), not only stills")
    ] = False,
) -> dict:
    """The project's stills, newest first, with their prompt, seed, engine and references (delete: DELETE /assets/{id})."""
    return images.list_images(db, project_id, offset, limit, include_uploads)
