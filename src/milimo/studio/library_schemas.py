"""Response models of the model library (GET/POST/DELETE /models)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class DownloadProgressPublic(BaseModel):
    bytes_done: int
    bytes_total: int
    progress: float  # percent
    speed_bps: float
    eta_s: float | None


class ModelPublic(BaseModel):
    id: str
    name: str
    engine: str  # the engine built on it
    used_by: list[str]  # every engine that uses it (Gemma: the LTX-2 text encoder and the text engine)
    role: str
    variant: str
    repo_id: str
    license: str
    gated: bool
    commercial_use: bool
    description: str
    requires: list[str]
    missing_requirements: list[str]  # required entries not downloaded yet
    status: Literal["not_downloaded", "downloading", "downloaded", "error"]
    size_bytes: int  # approximate, from the manifest
    bytes_on_disk: int
    path: str | None
    source: str  # models_dir | hf_cache | ""
    partial: bool  # an interrupted download that downloading again resumes
    message: str
    loaded: bool  # an engine built on it holds its weights in memory
    in_use: bool  # ... and a running job is using that engine
    progress: DownloadProgressPublic | None


class ModelList(BaseModel):
    models: list[ModelPublic]
    count: int
    models_dir: str
    disk_free_bytes: int


class DownloadStarted(BaseModel):
    model_id: str
    status: Literal["downloading"]
    message: str
    missing_requirements: list[str]


class DownloadCancelling(BaseModel):
    model_id: str
    status: Literal["cancelling"]


class ModelDeleted(BaseModel):
    model_id: str
    deleted: bool
    freed_bytes: int
