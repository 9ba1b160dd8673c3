"""Request and response models of generation (seed §1, §2): what a client sends to queue a job."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from milimo.engines.grid import Adjustment
from milimo.jobs.params import Pipeline
from milimo.studio.schemas import Id, Seed, ShotFields, Size, Text


class ShotConfig(ShotFields):
    """The shot to generate (seed §1 `shot_config`). An unknown id creates the shot; for an existing
    shot, the fields sent override its own and everything else keeps its saved value."""

    id: Id | None = None
    prompt: Text
    num_inference_steps: Annotated[int, Field(ge=1, le=200, description="the seed's name for steps")] | None = None


# Like every request model (studio/schemas._Strict): unknown fields 422, strict numbers, no NaN/Infinity.
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class GenerateAdvanced(BaseModel):
    model_config = _STRICT
    project_id: Id
    shot_config: ShotConfig
    base_version: (
        Annotated[
            int,
            Field(
                ge=1,
                description="the project version the client's shot_config is based on; "
                "409 with the current state when the server has moved on",
            ),
        ]
        | None
    ) = None
    regenerate: Literal["both", "still", "video"] = Field(
        "both",
        description="for a still-first shot: both steps, only the still (the shot's keyframe), or only the video "
        "from the keyframe it has",
    )


class Queued(BaseModel):
    job_id: str
    status: Literal["queued"] = "queued"
    shot_id: str | None = None
    project_version: int | None = None
    pipeline: Pipeline | None = None
    chained: bool = False
    engine: str
    adjustments: list[Adjustment] = []
    still_job_id: str | None = Field(None, description="still first: the image job the video job waits for")
    still_first: bool = False


class GenerateImage(BaseModel):
    """Seed §2. reference_images: asset ids or media URLs of images of this project, never paths;
    element_ids: elements whose images join the references and whose triggers the prompt gets.
    The prompt's own triggers (this project's, whole words) add their elements too."""

    model_config = _STRICT
    project_id: Id
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    negative_prompt: Text = ""
    width: Size = 1024
    height: Size = 1024
    num_inference_steps: Annotated[int, Field(ge=1, le=200)] = 4
    guidance_scale: Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)] = 2.0
    seed: Seed | None = None
    reference_images: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=2048)]], Field(max_length=8)] = []
    element_ids: Annotated[list[Id], Field(max_length=32)] = []
    enable_true_cfg: bool = False
    enable_ae: bool = Field(
        True, description="seed §2 field, accepted and ignored: the image engine always decodes with its model's own VAE"
    )
    enhance_prompt: bool = False
