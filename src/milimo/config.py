"""One Settings object (env prefix MILIMO_) and the data-directory layout."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Sub-folders of every project folder. Media routes serve only these; uploads and outputs go only here.
LORA_KINDS = ("style", "camera", "ic_lora", "distilled")


def parse_lora(text: str) -> tuple[str, float, str]:
    """'path[:strength[:kind]]' -> (path, strength, kind); read from the right, so Windows drive letters work."""
    parts = text.strip().split(":")
    kind = "style"
    if len(parts) > 1 and parts[-1] in LORA_KINDS:
        kind = parts.pop()
    strength = 1.0
    if len(parts) > 1:
        try:
            strength = float(parts[-1])
            parts.pop()
        except ValueError:
            pass
    path = ":".join(parts).strip()
    if not path:
        raise ValueError(f"LoRA entry {text!r} has no path; write path[:strength[:kind]], e.g. loras/dolly-in.safetensors:0.8")
    if not -4.0 <= strength <= 4.0:
        raise ValueError(f"LoRA strength {strength} in {text!r} is outside -4..4")
    return path, strength, kind


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
    # Storyboard: the largest screenplay (UTF-8 bytes) parse and commit accept; a 120-page feature is ~250 kB.
    max_script_bytes: int = Field(2_000_000, ge=1024, le=20_000_000)

    # Jobs: GPU slots of the in-process executor, SSE replay buffer, shutdown grace period.
    gpu_slots: int = Field(1, ge=1, le=64)
    event_buffer: int = Field(2048, ge=16)
    sse_keepalive_s: float = Field(15.0, gt=0)
    shutdown_grace_s: float = Field(2.0, ge=0)

    # Cluster (docs/operations.md "Cluster"): local = jobs run in this process (gpu_slots); ray = one Ray actor per GPU
    # of the cluster at ray_address ("local" starts one here); external = `milimo worker` processes run them. ray and
    # external need PostgreSQL, and data_dir on storage every node mounts at the same path.
    executor: Literal["local", "ray", "external"] = "local"
    ray_address: str = "local"
    ray_workers: int = Field(0, ge=0, le=1024)  # actors to start; 0 = one per GPU the Ray cluster has
    affinity_wait_s: float = Field(0.3, ge=0, le=60)  # a job of another family waits this long for a warm worker
    worker_name: str = ""  # `milimo worker`: the name in /health (default host-pid)
    # The hardware stand-in video engine (MILIMO_VIDEO_ENGINE=standin): seconds per step and per load.
    standin_step_s: float = Field(0.05, ge=0, le=60)
    standin_load_s: float = Field(0.5, ge=0, le=600)

    # Engines: "auto" = configured real engine whose weights are present, else the CPU draft engine.
    video_engine: str = "auto"
    image_engine: str = "auto"
    text_engine: str = "auto"
    inpaint_engine: str = "auto"
    segment_engine: str = "auto"
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.1"
    ollama_allow_remote: bool = False  # prompts and images leave this machine when the Ollama host is remote

    # LTX-2: CPU offload of idle modules (saves VRAM, costs speed), fp8 weight storage (auto: Ada/Hopper+ under
    # 48 GiB), and LoRAs always applied: "path[:strength[:kind]]" entries, comma-separated or a JSON list; relative
    # paths are inside the models folder; kind is style (default), camera, ic_lora or distilled.
    ltx2_offload: Literal["none", "model", "sequential"] = "none"
    # Which LTX-2 library model (auto: the newest complete one; or an id such as ltx23-dev) and how its weights
    # sit on the GPU (auto: the fastest memory mode whose expected peak fits the free VRAM; see engines/memory.py).
    ltx2_model: str = "auto"
    ltx2_memory: Literal["auto", "gpu", "text_encoder_cpu", "model_offload", "group_offload", "sequential_offload"] = "auto"
    ltx2_fp8: Literal["auto", "on", "off"] = "auto"
    ltx2_loras: Annotated[list[str], NoDecode] = []

    # Segmentation (SAM) service: a separate loopback-only process (`milimo sam-service`) the studio calls over HTTP.
    sam_url: str = "http://127.0.0.1:8001"  # where the studio finds it
    sam_autostart: bool = False  # the studio starts `milimo sam-service` as a child it supervises (`make run` sets it)
    sam_port: int = Field(8001, ge=1, le=65535)  # where `milimo sam-service` listens (always on 127.0.0.1)
    sam_weights: Path | None = None  # a SAM 3 folder; default: the model library's models/sam3 (or the HF cache)
    sam_timeout_s: float = Field(60.0, gt=0, le=3600)  # one image request (mask, text, detect, track prompt)
    sam_track_timeout_s: float = Field(1800.0, gt=0, le=86_400)  # a whole propagate stream
    sam_max_image_bytes: int = Field(50 * 1024**2, ge=1024)  # an image sent to the service
    sam_max_image_pixels: int = Field(40_000_000, ge=1024)  # checked from the header, before decoding
    sam_max_sessions: int = Field(4, ge=1, le=64)  # tracking sessions held at once (each holds a clip in memory)
    sam_session_idle_s: float = Field(900.0, gt=0)  # an untouched tracking session is closed after this
    sam_max_video_frames: int = Field(2000, ge=1)  # frames a tracking session may hold
    sam_max_video_bytes: int = Field(4 * 1024**3, ge=1024**2)  # decoded RGB bytes a tracking session may hold

    # Browsers allowed to call the API from another origin (the Vite dev server by default).
    cors_origins: list[str] = ["http://127.0.0.1:5173", "http://localhost:5173"]

    # Exposure (milimo.exposure). A token is required to bind anywhere but loopback; with one set, every
    # route needs it (Authorization: Bearer, or the cookie the /login page sets). Host names the studio
    # answers to (DNS rebinding): comma-separated, "*" for any; default loopback names and the bind host.
    auth_token: SecretStr | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = []
    # Request bodies: anything but an upload is capped here (a save of a 20,000-shot project fits).
    max_json_bytes: int = Field(32 * 1024**2, ge=1024)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, v: object) -> object:
        if isinstance(v, str):
            return [h.strip().lower() for h in v.split(",") if h.strip()]
        return v

    @field_validator("auth_token", mode="before")
    @classmethod
    def _no_empty_token(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("auth_token")
    @classmethod
    def _token_strength(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError(
                "MILIMO_AUTH_TOKEN must be at least 16 characters; make one with "
                '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
            )
        return v

    @field_validator("ltx2_loras", mode="before")
    @classmethod
    def _lora_list(cls, v: object) -> object:
        if isinstance(v, str):
            text = v.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [item for item in (p.strip() for p in text.split(",")) if item]
        return v

    @field_validator("ltx2_loras")
    @classmethod
    def _lora_entries(cls, v: list[str]) -> list[str]:
        for item in v:
            parse_lora(item)
        return v

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
