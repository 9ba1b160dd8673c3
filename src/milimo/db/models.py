"""SQLModel tables. Lists and dicts are real JSON columns; times are timezone-aware UTC.

Ownership of shot fields matters for safe saves (studio.projects.save_project): fields in
SERVER_OWNED_SHOT_FIELDS are written only by the server (workers, generation), never by a
client's save or patch, so a stale autosave cannot erase a finished video.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, TypeDecorator, false
from sqlmodel import AutoString, Field, SQLModel

from milimo.db.states import JobStatus, JobType, ShotStatus


def table_of(model: type[SQLModel]) -> Table:
    """A table class's Core table (for column expressions), typed: SQLModel sets `__table__` at class creation."""
    return model.__table__  # type: ignore[attr-defined]


def is_json_column(column: Any) -> bool:
    """A JSON column, plain or FiniteJSON (which decorates JSON): read raw as text for speed by the state loader."""
    return isinstance(getattr(column.type, "impl", column.type), JSON)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _fk(target: str, ondelete: str = "CASCADE", nullable: bool = False, index: bool = True) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(String(64), ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index),
    )


class _StrEnumColumn(TypeDecorator):
    """A StrEnum stored as its plain string (the same VARCHAR as before: no migration, no native enum),
    read back as the enum so code compares and matches on members.

    A stored value this version does not know (a job type a newer version queued, a row edited by
    hand) reads back as the plain string, never an error: one such row must not make every query
    that loads it raise — the queue would stall on it, and startup recovery with it. The row's
    own consumer decides (jobs.params.parse_params fails that one job, saying why). Writes stay
    strict: code only ever stores members."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | str | None:
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            return str(value)


def _enum(enum: type[StrEnum], default: StrEnum) -> Any:
    return Field(default=default, sa_column=Column(_StrEnumColumn(enum), nullable=False))


def non_finite_path(value: Any, where: str = "$") -> str | None:
    """Where in a JSON value a NaN or an Infinity sits (None when there is none)."""
    if isinstance(value, float):
        return None if math.isfinite(value) else where
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := non_finite_path(v, f"{where}.{k}"))), None)
    if isinstance(value, (list, tuple)):
        return next((p for i, v in enumerate(value) if (p := non_finite_path(v, f"{where}[{i}]"))), None)
    return None


class FiniteJSON(TypeDecorator):
    """A JSON column that refuses NaN and Infinity, the one check every JSON write passes through.

    They are not JSON: SQLite's json() rejects a stored NaN, so one would turn every later project
    load into a 500. Request models refuse them first (a 422); this is the last line."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        where = non_finite_path(value)
        if where is not None:
            raise ValueError(f"refusing to store a non-finite number at {where} in a JSON column")
        return value


def _json(default_factory) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(FiniteJSON, nullable=False))


class Project(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    resolution_w: int = 768
    resolution_h: int = 512
    fps: float = 24.0
    seed: int = 42
    script_text: str = ""
    # Optimistic concurrency: every client-driven change bumps it; a save based on an older one gets 409.
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Scene(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    project_id: str = _fk("project.id")
    index: int = 0
    name: str = ""
    script_content: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class Shot(SQLModel, table=True):
    # The project state's order (studio.state): a load reads the shots in index order, never sorting.
    __table_args__ = (Index("ix_shot_project_order", "project_id", "track_index", "start_frame", "index", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = _fk("project.id")
    scene_id: str | None = _fk("scene.id", ondelete="SET NULL", nullable=True)
    index: int = 0  # order inside its scene (storyboard order)

    # Timeline placement (frames at the project rate). V1 = 0 (magnetic), V2 = 1 (overlay), A1 = 2 (audio).
    track_index: int = 0
    start_frame: int = 0
    trim_in: int = 0
    trim_out: int = 0

    # Generation parameters
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 42
    width: int = 768
    height: int = 512
    num_frames: int = 121
    fps: float = 24.0
    steps: int = 40
    cfg_scale: float = 3.0
    enhance_prompt: bool = True
    upscale: bool = False
    pipeline_override: str = "auto"  # auto | ti2vid | ic_lora | keyframe
    auto_continue: bool = False
    # "Still first" (docs/elements.md): the image engine makes frame 0 from the matched elements'
    # references, then the video engine animates it. None = on when matched elements have images.
    still_first: bool | None = None
    # The conditioning timeline: [{asset_id?, url, frame_index, strength, type: image|video}]
    timeline: list[dict] = _json(list)

    # Storyboard
    action: str = ""
    dialogue: str = ""
    character: str = ""
    shot_type: str = ""
    # The screenplay's edit intent, written back on export: the transition after this shot ("CUT TO:",
    # the cut into the next one) and the second cue of a dual-dialogue pair ("^"). Server defaults
    # so rows older than migration 0005 read as no transition and not dual.
    transition: str = Field(default="", sa_column_kwargs={"server_default": ""})
    dual_dialogue: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    matched_elements: list[dict] = _json(list)

    # The take: the asset whose media this shot shows. Clients may point it at any media asset of
    # the project (an upload, an earlier take); the server derives the result fields from it.
    media_asset_id: str | None = _fk("asset.id", ondelete="SET NULL", nullable=True, index=False)
    # The still a still-first generation made (frame 0 of the video), kept so either step can be redone alone.
    keyframe_asset_id: str | None = _fk("asset.id", ondelete="SET NULL", nullable=True, index=False)

    # Server-owned results
    status: ShotStatus = _enum(ShotStatus, ShotStatus.pending)
    last_job_id: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    enhanced_prompt: str | None = None
    engine: str | None = None  # which engine made video_url ("draft", "ltx2", ...)
    actual_frames: int | None = None  # measured frame count of video_url

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


SERVER_OWNED_SHOT_FIELDS = frozenset(
    {"status", "last_job_id", "video_url", "thumbnail_url", "enhanced_prompt", "engine", "actual_frames", "keyframe_asset_id"}
)


class ShotJson(SQLModel, table=True):
    """A shot as the project state sends it, as JSON text: a read model the database keeps itself.

    On SQLite, triggers on `shot` (studio.state.ensure_shot_json, installed at start-up from the
    code's own field list) rewrite a shot's row here on every insert and update and delete it
    with the shot, whoever writes; loading a project then concatenates text instead of building
    2,000 objects field by field. No foreign key: a migration that rebuilds `shot` must not
    cascade into it (start-up rebuilds the whole table whenever the triggers are not its own)."""

    __tablename__ = "shot_json"

    shot_id: str = Field(primary_key=True, max_length=64)
    body: str


class Element(SQLModel, table=True):
    """A character, location or object of the project (docs/elements.md). Its trigger word is
    unique in the project, case-insensitively (studio.elements checks it in the one writer)."""

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = _fk("project.id")
    name: str = Field(max_length=200)
    trigger_word: str = Field(max_length=100)
    type: str = "character"  # character | location | object
    description: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ElementImage(SQLModel, table=True):
    """An element's reference images, ordered; position 0 is the primary. Deleting the asset or the
    element removes the link (foreign-key cascade), never the other side."""

    element_id: str = Field(sa_column=Column(String(64), ForeignKey("element.id", ondelete="CASCADE"), primary_key=True))
    asset_id: str = Field(sa_column=Column(String(64), ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True))
    position: int = 0


class Asset(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    project_id: str = _fk("project.id")
    kind: str = "general"  # general | element | reference | generated | inpaint | render | mask
    media_type: str = "image"  # image | video | audio
    rel_path: str  # relative to the project folder; never sent to clients
    url: str
    thumbnail_url: str | None = None
    filename: str = ""
    mime: str = ""
    size_bytes: int = 0
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    fps: float | None = None
    num_frames: int | None = None
    engine: str | None = None
    job_id: str | None = None
    meta: dict = _json(dict)
    created_at: datetime = Field(default_factory=utcnow)


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_status_created", "status", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    project_id: str | None = _fk("project.id", nullable=True)
    shot_id: str | None = _fk("shot.id", ondelete="SET NULL", nullable=True)
    # A job that waits for another (still first: the video waits for its still); claimed only once that one completed.
    after_job_id: str | None = _fk("job.id", ondelete="CASCADE", nullable=True)
    type: JobType = Field(sa_column=Column(_StrEnumColumn(JobType), nullable=False))
    status: JobStatus = _enum(JobStatus, JobStatus.pending)
    priority: int = 0
    family: str = ""  # model family the job needs (the ModelManager loads it)
    progress: float = 0.0
    status_message: str = ""
    eta_seconds: float | None = None
    engine: str | None = None
    engine_version: str | None = None
    cancel_requested: bool = False
    params: dict = _json(dict)
    outputs: dict = _json(dict)
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
