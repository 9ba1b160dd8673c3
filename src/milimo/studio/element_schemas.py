"""Request and response models of elements and the image studio (docs/elements.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from milimo.studio.schemas import AssetPublic, Id, Name, Seed, Text, _Strict

ElementType = Literal["character", "location", "object"]
Trigger = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ImageIds = Annotated[
    list[Id], Field(max_length=16, description="asset ids of images of this project, in order; the first is the primary")
]


class ElementCreate(_Strict):
    name: Name
    type: ElementType = "character"
    description: Text = ""
    trigger_word: Trigger | None = Field(
        None, description='default "@" + the name without spaces; unique in the project, any case'
    )
    image_asset_ids: ImageIds = Field(default_factory=list)


class ElementUpdate(_Strict):
    """PATCH /elements/{id}: only the fields sent change; image_asset_ids replaces the list (and its order)."""

    name: Name | None = None
    type: ElementType | None = None
    description: Text | None = None
    trigger_word: Trigger | None = None
    image_asset_ids: ImageIds | None = None


class ElementImagePublic(BaseModel):
    asset_id: str
    url: str
    thumbnail_url: str | None
    engine: str | None = Field(None, description='what made it: "upload", an engine name (a draft engine\'s is badged DRAFT)')


class ElementPublic(BaseModel):
    id: str
    project_id: str
    name: str
    type: ElementType
    description: str
    trigger_word: str
    images: list[ElementImagePublic]
    image_url: str | None = Field(description="the primary reference image, or null")
    created_at: datetime
    updated_at: datetime


class ElementDeleted(BaseModel):
    status: Literal["deleted"] = "deleted"
    id: str
    deleted_assets: list[str] = Field(description="reference images only this element used, deleted with it")
    shots_changed: list[str] = Field(description="shots whose matched_elements lost it")
    project_version: int | None = None


class VisualizeRequest(_Strict):
    """POST /elements/{id}/visualize: a character sheet, a location concept or an object design."""

    prompt_override: Text | None = Field(None, description="instead of the element's description")
    width: Annotated[int, Field(ge=64, le=2048)] = 1024
    height: Annotated[int, Field(ge=64, le=2048)] = 1024
    num_inference_steps: Annotated[int, Field(ge=1, le=200)] = 4
    guidance_scale: Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)] = 2.0
    seed: Seed | None = None
    enable_ae: bool = Field(
        True, description="seed §2 field, accepted and ignored: the image engine always decodes with its model's own VAE"
    )


class ImagePage(BaseModel):
    """GET /projects/{id}/images: the project's stills, newest first, with how each was made."""

    items: list[AssetPublic]
    total: int
    offset: int
    limit: int


class ReferenceDropped(BaseModel):
    asset_id: str
    element_id: str
    reason: str


class ImageQueued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    engine: str
    prompt: str = Field(description="the prompt as recorded (missing trigger words appended)")
    references: list[str] = Field(description="asset ids of the reference images, in the order the engine gets them")
    elements: list[str] = Field(description="ids of the elements used: the explicit ones, then those the prompt's triggers named")
    dropped: list[ReferenceDropped] = []
    adjustments: list[dict] = []
