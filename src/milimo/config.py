"""One Settings object (env prefix MILIMO_) and the data-directory layout."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Sub-folders of every project folder. Media routes serve only these; uploads and outputs go only here.
PROJECT_FOLDERS = (
    "generated",
    "thumbnails",
    "workspace",
    "assets/elements",
    "assets/uploads",
    "assets/references",
    "masks",
    "renders",
)


class Settings(BaseSettings):
    """Every knob of the studio. Read from MILIMO_* environment variables, CLI flags override."""

    model_config = SettingsConfigDict(env_prefix="MILIMO_", env_file=None, extra="ignore")

    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    database_url: str | None = None  # default: sqlite file inside data_dir
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # Uploads: a hard size cap and a pixel cap (decompression bombs).
    max_upload_bytes: int = Field(2 * 1024**3, ge=1024)
    max_image_pixels: int = Field(80_000_000, ge=1024)

    # Jobs: GPU slots of the in-process executor, SSE replay buffer, shutdown grace period.
    gpu_slots: int = Field(1, ge=1, le=64)
    event_buffer: int = Field(2048, ge=16)
    sse_keepalive_s: float = Field(15.0, gt=0)
    shutdown_grace_s: float = Field(2.0, ge=0)

    # Engines: "auto" = configured real engine whose weights are present, else the CPU draft engine.
    video_engine: str = "auto"
    image_engine: str = "auto"
    text_engine: str = "auto"
    inpaint_engine: str = "auto"
    segment_engine: str = "auto"
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.1"

    # Browsers allowed to call the API from another origin (the Vite dev server by default).
    cors_origins: list[str] = ["http://127.0.0.1:5173", "http://localhost:5173"]

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'milimo.db'}"

    @property
    def db_kind(self) -> str:
        return self.db_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def projects_dir(self) -> Path:
        return self.data_dir / "projects"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def web_dist(self) -> Path:
        return Path(__file__).resolve().parents[2] / "web" / "dist"

    def project_dir(self, project_id: str) -> Path:
        """Folder of one project. The id must already be validated (see studio.ids)."""
        return self.projects_dir / project_id

    def ensure_dirs(self) -> None:
        for d in (self.data_dir, self.projects_dir, self.models_dir):
            d.mkdir(parents=True, exist_ok=True)
