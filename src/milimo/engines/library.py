"""The model library: which weights the real engines use, whether they are on disk, and downloading them.

Weights live in `<data_dir>/models/<model_id>/` (diffusers / transformers folder layout, as
the Hugging Face repo has it) or in the Hugging Face cache. A download in progress or cut off
leaves `<data_dir>/models/<model_id>.download.json` next to the folder; while that marker
exists the model is never "downloaded".
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

ModelState = Literal["not_downloaded", "downloading", "downloaded", "error"]
GB = 1_000_000_000

# Files every diffusers LTX-2 pipeline folder needs (the Gemma text encoder is its own entry, shared).
_LTX2_PATTERNS = ("model_index.json", "scheduler/*", "transformer/*", "vae/*", "audio_vae/*", "vocoder/*", "connectors/*")
_LTX2_REQUIRED = (
    "model_index.json",
    "transformer/config.json",
    "vae/config.json",
    "audio_vae/config.json",
    "vocoder/config.json",
    "connectors/config.json",
)
# LTX-2.5 brings its own Gemma 4 text encoder and the duration head (the repo's prompt enhancer is not fetched).
_LTX25_PATTERNS = (*_LTX2_PATTERNS, "text_encoder/*", "tokenizer/*", "duration_head/*")
_LTX25_REQUIRED = (*_LTX2_REQUIRED, "text_encoder/config.json")
_FLUX2_PATTERNS = ("model_index.json", "scheduler/*", "transformer/*", "vae/*", "text_encoder/*", "tokenizer/*")
_FLUX2_REQUIRED = ("model_index.json", "transformer/config.json", "vae/config.json", "text_encoder/config.json")


@dataclass(frozen=True)
class ModelEntry:
    """One downloadable unit. `allow_patterns` select files of `repo_id`; `required_files` prove completeness."""

    id: str
    name: str
    engine: str  # the engine that uses it: "ltx2", "flux2-klein", "gemma3", "sam3"
    role: Literal["base", "text_encoder", "upsampler", "temporal_upsampler", "lora"]
    repo_id: str
    allow_patterns: tuple[str, ...]
    required_files: tuple[str, ...]
    expected_bytes: int  # approximate; for progress and the disk-space check only
    license: str
    gated: bool
    commercial_use: bool
    description: str
    variant: str = ""  # "dev" | "distilled" for LTX-2
    version: str = ""  # LTX-2 model version ("2.0", "2.3", "2.5"): upsamplers and LoRAs load only on their own
    requires: tuple[str, ...] = ()  # entry ids the engine also needs (e.g. the shared Gemma text encoder)
    used_by: tuple[str, ...] = ()  # other engines that can use it (Gemma: prompt enhancement)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


MANIFEST: tuple[ModelEntry, ...] = (
    # Newest first: engine selection takes the first complete base model (distilled before dev within a version).
    # Repo ids as the pinned diffusers' docstrings name them; the LTX-2.5 distilled repo id follows the 2.3 naming
    # (diffusers names only Lightricks/LTX-2.5-Diffusers).
    ModelEntry(
        id="ltx25-distilled",
        name="LTX-2.5 22B distilled (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="Lightricks/LTX-2.5-Distilled-Diffusers",
        allow_patterns=_LTX25_PATTERNS,
        required_files=_LTX25_REQUIRED,
        expected_bytes=70 * GB,
        license="LTX-2 Community License",
        gated=True,
        commercial_use=False,
        description="8-step distilled LTX-2.5 with its Gemma 4 text encoder and the shot-length predictor",
        variant="distilled",
        version="2.5",
    ),
    ModelEntry(
        id="ltx25-dev",
        name="LTX-2.5 22B dev (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="Lightricks/LTX-2.5-Diffusers",
        allow_patterns=_LTX25_PATTERNS,
        required_files=_LTX25_REQUIRED,
        expected_bytes=70 * GB,
        license="LTX-2 Community License",
        gated=True,
        commercial_use=False,
        description="LTX-2.5 with guidance (30 steps), Gemma 4 text encoder, shot-length predictor",
        variant="dev",
        version="2.5",
    ),
    ModelEntry(
        id="ltx23-distilled",
        name="LTX-2.3 22B distilled (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="diffusers/LTX-2.3-Distilled-Diffusers",
        allow_patterns=_LTX2_PATTERNS,
        required_files=_LTX2_REQUIRED,
        expected_bytes=46 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="8-step distilled LTX-2.3 video+audio model, CFG 1",
        variant="distilled",
        version="2.3",
        requires=("gemma3-12b",),
    ),
    ModelEntry(
        id="ltx23-dev",
        name="LTX-2.3 22B dev (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="diffusers/LTX-2.3-Diffusers",
        allow_patterns=_LTX2_PATTERNS,
        required_files=_LTX2_REQUIRED,
        expected_bytes=46 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="LTX-2.3 with guidance (30 steps); 48 kHz audio",
        variant="dev",
        version="2.3",
        requires=("gemma3-12b",),
    ),
    ModelEntry(
        id="ltx2-distilled",
        name="LTX-2 19B distilled (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="rootonchair/LTX-2-19b-distilled",
        allow_patterns=_LTX2_PATTERNS,
        required_files=_LTX2_REQUIRED,
        expected_bytes=44 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="8-step distilled video+audio model, CFG 1 (community diffusers conversion used in the diffusers docs)",
        variant="distilled",
        version="2.0",
        requires=("gemma3-12b",),
    ),
    ModelEntry(
        id="ltx2-dev",
        name="LTX-2 19B dev (diffusers)",
        engine="ltx2",
        role="base",
        repo_id="Lightricks/LTX-2",
        allow_patterns=_LTX2_PATTERNS,
        required_files=_LTX2_REQUIRED,
        expected_bytes=44 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="Full video+audio model, 30-40 steps with guidance; best quality",
        variant="dev",
        version="2.0",
        requires=("gemma3-12b",),
    ),
    ModelEntry(
        # Smooth motion ×2 (LTX2DFRTemporalRefinePipeline). diffusers' docstring loads it from
        # "path/to/converted/temporal_latent_upsampler": no diffusers-format repo names it yet, so the
        # folder inside the LTX-2.5 repo is assumed, as the spatial upscaler's is.
        id="ltx25-temporal-upscaler",
        name="LTX-2.5 temporal upscaler x2 (smooth motion)",
        engine="ltx2",
        role="temporal_upsampler",
        repo_id="Lightricks/LTX-2.5-Diffusers",
        allow_patterns=("temporal_latent_upsampler/*",),
        required_files=("temporal_latent_upsampler/config.json",),
        expected_bytes=1 * GB,
        license="LTX-2 Community License",
        gated=True,
        commercial_use=False,
        description="Latent x2 temporal upsampler: refines an LTX-2.5 DFR take to twice its frame rate",
        version="2.5",
    ),
    ModelEntry(
        id="ltx25-spatial-upscaler",
        name="LTX-2.5 spatial upscaler x2",
        engine="ltx2",
        role="upsampler",
        repo_id="Lightricks/LTX-2.5-Diffusers",
        allow_patterns=("latent_upsampler/*",),
        required_files=("latent_upsampler/config.json",),
        expected_bytes=1 * GB,
        license="LTX-2 Community License",
        gated=True,
        commercial_use=False,
        description="Latent x2 upsampler for two-stage LTX-2.5",
        version="2.5",
    ),
    ModelEntry(
        id="ltx23-spatial-upscaler",
        name="LTX-2.3 spatial upscaler x2",
        engine="ltx2",
        role="upsampler",
        repo_id="diffusers/LTX-2.3-Diffusers",
        allow_patterns=("latent_upsampler/*",),
        required_files=("latent_upsampler/config.json",),
        expected_bytes=1 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="Latent x2 upsampler for two-stage LTX-2.3",
        version="2.3",
    ),
    ModelEntry(
        id="ltx2-spatial-upscaler",
        name="LTX-2 spatial upscaler x2",
        engine="ltx2",
        role="upsampler",
        repo_id="Lightricks/LTX-2",
        allow_patterns=("latent_upsampler/*",),
        required_files=("latent_upsampler/config.json",),
        expected_bytes=1 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="Latent x2 upsampler for the two-stage pipeline (stage 1 at half size, stage 2 refines)",
        version="2.0",
    ),
    ModelEntry(
        id="ltx23-distilled-lora",
        name="LTX-2.3 distilled LoRA (rank 384)",
        engine="ltx2",
        role="lora",
        repo_id="Lightricks/LTX-2.3",
        allow_patterns=("ltx-2.3-22b-distilled-lora-384.safetensors",),
        required_files=("ltx-2.3-22b-distilled-lora-384.safetensors",),
        expected_bytes=8 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="Stage-2 refiner LoRA for the LTX-2.3 dev model in the two-stage pipeline",
        version="2.3",
    ),
    ModelEntry(
        id="ltx2-distilled-lora",
        name="LTX-2 distilled LoRA (rank 384)",
        engine="ltx2",
        role="lora",
        repo_id="Lightricks/LTX-2",
        allow_patterns=("ltx-2-19b-distilled-lora-384.safetensors",),
        required_files=("ltx-2-19b-distilled-lora-384.safetensors",),
        expected_bytes=8 * GB,
        license="LTX-2 Community License",
        gated=False,
        commercial_use=False,
        description="Stage-2 refiner LoRA for the dev model in the two-stage pipeline",
        version="2.0",
    ),
    ModelEntry(
        id="gemma3-12b",
        name="Gemma 3 12B it (QAT, unquantized)",
        engine="gemma3",
        role="text_encoder",
        repo_id="google/gemma-3-12b-it-qat-q4_0-unquantized",
        allow_patterns=("*.json", "*.safetensors", "tokenizer.model"),
        required_files=("config.json", "tokenizer_config.json"),
        expected_bytes=24 * GB,
        license="Gemma Terms of Use",
        gated=True,
        commercial_use=True,
        description="LTX-2.0/2.3's text encoder; also the in-process prompt enhancer and screenplay analyst",
        used_by=("ltx2",),
    ),
    ModelEntry(
        id="flux2-klein-4b",
        name="FLUX.2 [klein] 4B",
        engine="flux2-klein",
        role="base",
        repo_id="black-forest-labs/FLUX.2-klein-4B",
        allow_patterns=_FLUX2_PATTERNS,
        required_files=_FLUX2_REQUIRED,
        expected_bytes=16 * GB,
        license="Apache-2.0",
        gated=False,
        commercial_use=True,
        description="4-step distilled image model with reference images; fits ~13 GB of VRAM",
    ),
    ModelEntry(
        id="flux2-klein-9b",
        name="FLUX.2 [klein] 9B",
        engine="flux2-klein",
        role="base",
        repo_id="black-forest-labs/FLUX.2-klein-9B",
        allow_patterns=_FLUX2_PATTERNS,
        required_files=_FLUX2_REQUIRED,
        expected_bytes=35 * GB,
        license="FLUX Non-Commercial License",
        gated=True,
        commercial_use=False,
        description="Higher-quality 4-step image model (non-commercial licence)",
    ),
    ModelEntry(
        id="sam3",
        name="SAM 3",
        engine="sam3",
        role="base",
        repo_id="facebook/sam3",
        allow_patterns=("*.json", "*.safetensors", "*.txt"),
        required_files=("config.json",),
        expected_bytes=int(3.45 * GB),
        license="SAM License",
        gated=True,
        commercial_use=True,
        description="Segmentation by text, points and boxes; video tracking",
    ),
)

_BY_ID = {e.id: e for e in MANIFEST}


def entry(model_id: str) -> ModelEntry:
    try:
        return _BY_ID[model_id]
    except KeyError:
        raise KeyError(f"unknown model {model_id!r}; known: {', '.join(_BY_ID)}") from None


# --------------------------------------------------------------------------- status on disk


@dataclass(frozen=True)
class ModelStatus:
    model_id: str
    state: ModelState
    path: Path | None = None  # where the weights are when downloaded
    source: Literal["models_dir", "hf_cache", ""] = ""
    bytes_on_disk: int = 0
    expected_bytes: int = 0
    partial: bool = False  # an interrupted download that a new download resumes
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path) if self.path else None
        return d


def local_dir(models_dir: Path, e: ModelEntry) -> Path:
    return Path(models_dir) / e.id


def marker_path(models_dir: Path, e: ModelEntry) -> Path:
    return Path(models_dir) / f"{e.id}.download.json"


def _dir_bytes(root: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, f))
            except OSError:
                pass
    return total


def is_complete(folder: Path, e: ModelEntry) -> bool:
    """Every required file is there and no file is still half-written by the hub client."""
    if not folder.is_dir() or not all((folder / f).is_file() for f in e.required_files):
        return False
    pending = folder / ".cache" / "huggingface" / "download"
    return not (pending.is_dir() and any(p.name.endswith(".incomplete") for p in pending.rglob("*")))


def _hf_cache_path(e: ModelEntry) -> Path | None:
    """The cached snapshot of the entry's repo when it holds every required file; never touches the network."""
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(e.repo_id, allow_patterns=list(e.allow_patterns), local_files_only=True))
    except Exception:  # not cached, incomplete, or huggingface_hub missing
        return None
    return path if is_complete(path, e) else None


_ACTIVE: dict[str, "DownloadHandle"] = {}
_ACTIVE_LOCK = threading.Lock()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own downloads are tracked in _ACTIVE, a stale marker with our pid is dead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def model_status(models_dir: Path | str, e: ModelEntry) -> ModelStatus:
    """not_downloaded / downloading / downloaded / error, checked against the disk (and the HF cache)."""
    models_dir = Path(models_dir)
    folder = local_dir(models_dir, e)
    marker = marker_path(models_dir, e)
    on_disk = _dir_bytes(folder) if folder.exists() else 0
    base: dict[str, Any] = {"model_id": e.id, "expected_bytes": e.expected_bytes, "bytes_on_disk": on_disk}
    if marker.exists():
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError):
            info = {}
        with _ACTIVE_LOCK:
            active = e.id in _ACTIVE
        if active or _pid_alive(int(info.get("pid", -1))):
            return ModelStatus(state="downloading", path=folder, partial=True, message="download in progress", **base)
        if info.get("error"):
            return ModelStatus(state="error", path=folder, partial=True, message=str(info["error"]), **base)
        return ModelStatus(
            state="not_downloaded",
            path=folder,
            partial=True,
            message="an earlier download stopped before the end; downloading again resumes it",
            **base,
        )
    if is_complete(folder, e):
        return ModelStatus(state="downloaded", path=folder, source="models_dir", **base)
    cached = _hf_cache_path(e)
    if cached is not None:
        return ModelStatus(state="downloaded", path=cached, source="hf_cache", **{**base, "bytes_on_disk": _dir_bytes(cached)})
    partial = on_disk > 0
    return ModelStatus(state="not_downloaded", partial=partial, message="incomplete folder" if partial else "", **base)


def resolve(models_dir: Path | str, model_id: str) -> Path | None:
    """The folder of a downloaded model, or None."""
    st = model_status(models_dir, entry(model_id))
    return st.path if st.state == "downloaded" else None


def _requirements_met(models_dir: Path, e: ModelEntry, base_path: Path) -> bool:
    for req in e.requires:
        r = entry(req)
        # A pipeline folder that bundles its own text encoder does not need the shared one.
        if r.role == "text_encoder" and (base_path / "text_encoder" / "config.json").is_file():
            continue
        if resolve(models_dir, req) is None:
            return False
    return True


def usable_bases(models_dir: Path | str, engine_name: str) -> list[tuple[ModelEntry, Path]]:
    """Every base model of `engine_name` downloaded with what it requires, in manifest order (newest first)."""
    models_dir = Path(models_dir)
    out = []
    for e in MANIFEST:
        if e.engine != engine_name or e.role != "base":
            continue
        path = resolve(models_dir, e.id)
        if path is not None and _requirements_met(models_dir, e, path):
            out.append((e, path))
    return out


def find_weights(models_dir: Path | str, engine_name: str, model: str = "auto") -> Path | None:
    """The base weights of the model to use for `engine_name`, or None.

    `model="auto"` takes the first usable one in manifest order (newest version, distilled before dev);
    a library id takes that one or nothing. Usable means downloaded with everything it requires.
    Engine selection: configured engine → the real engine for which this returns a path → the draft engine.
    """
    for e, path in usable_bases(models_dir, engine_name):
        if model in ("auto", e.id):
            return path
    return None


def engine_files(models_dir: Path | str, engine_name: str, model: str = "auto") -> dict[str, Any] | None:
    """Everything an engine is built from: base weights, shared text encoder, upsampler, LoRAs, variant, version.

    Upsamplers and LoRAs are taken only when made for the chosen base's version. `why` says why
    this base was chosen and `others` lists the other usable ones.
    """
    models_dir = Path(models_dir)
    usable = usable_bases(models_dir, engine_name)
    picked = [(e, p) for e, p in usable if model in ("auto", e.id)]
    if not picked:
        return None
    chosen, base = picked[0]
    if model != "auto":
        why = f"configured model {chosen.id}"
    elif len(usable) > 1:
        why = f"newest complete model in the library ({chosen.name})"
    else:
        why = f"the only complete model in the library ({chosen.name})"
    files: dict[str, Any] = {
        "weights": base,
        "model_id": chosen.id,
        "variant": chosen.variant,
        "version": chosen.version,
        "text_encoder": None,
        "upsampler": None,
        "temporal_upsampler": None,
        "loras": {},
        "why": why,
        "others": [e.id for e, _ in usable if e.id != chosen.id],
    }
    for req in chosen.requires:
        if entry(req).role == "text_encoder" and not (base / "text_encoder" / "config.json").is_file():
            files["text_encoder"] = resolve(models_dir, req)
    for e in MANIFEST:
        if e.engine != engine_name or e.role not in ("upsampler", "temporal_upsampler", "lora"):
            continue
        if e.version and chosen.version and e.version != chosen.version:
            continue  # an upsampler or LoRA works only with the model version it was trained with
        path = resolve(models_dir, e.id)
        if path is None:
            continue
        if e.role == "upsampler":
            if files["upsampler"] is None:
                files["upsampler"] = path / "latent_upsampler" if (path / "latent_upsampler").is_dir() else path
        elif e.role == "temporal_upsampler":
            inner = path / "temporal_latent_upsampler"
            files["temporal_upsampler"] = inner if inner.is_dir() else path
        else:
            files["loras"][e.id] = path / e.required_files[0]
    return files


# --------------------------------------------------------------------------- downloads


class DownloadCancelled(Exception):
    """The cancel flag was set; the partial files stay on disk and a new download resumes them."""


@dataclass(frozen=True)
class DownloadProgress:
    model_id: str
    bytes_done: int
    bytes_total: int
    speed_bps: float  # average since the download started

    @property
    def fraction(self) -> float:
        return min(1.0, self.bytes_done / self.bytes_total) if self.bytes_total else 0.0


@dataclass
class DownloadHandle:
    model_id: str
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    bytes_done: int = 0
    bytes_total: int = 0


def progress_bar_class(
    handle: DownloadHandle, on_progress: Callable[[DownloadProgress], None] | None, min_interval_s: float = 0.5
):
    """A tqdm class for huggingface_hub that reports bytes written and raises DownloadCancelled on cancel.

    Every download thread updates the snapshot's byte bar through this class, so a set cancel
    flag stops each of them at its next chunk.
    """
    from huggingface_hub.utils import tqdm as hf_tqdm

    lock = threading.Lock()
    last = [0.0]

    class _Bar(hf_tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._counts_bytes = kwargs.get("unit") == "B" and kwargs.get("name") == "huggingface_hub.snapshot_download"
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if handle.cancel.is_set():
                raise DownloadCancelled(f"download of {handle.model_id} cancelled")
            if self._counts_bytes and n:
                with lock:
                    handle.bytes_done += int(n)
                    handle.bytes_total = max(handle.bytes_total, int(self.total or 0))
                    now = time.monotonic()
                    due = now - last[0] >= min_interval_s
                    if due:
                        last[0] = now
                if due and on_progress is not None:
                    elapsed = max(1e-6, now - handle.started)
                    on_progress(
                        DownloadProgress(handle.model_id, handle.bytes_done, handle.bytes_total, handle.bytes_done / elapsed)
                    )
            return super().update(n)

    return _Bar


def _write_marker(path: Path, **info: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "updated": time.time(), **info}))
    os.replace(tmp, path)


def download_model(
    models_dir: Path | str,
    e: ModelEntry,
    *,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    token: str | None = None,
    endpoint: str | None = None,
) -> Path:
    """Download (or resume) one entry into `<models_dir>/<id>/`. Blocking: call it from a worker thread.

    Resuming is per file: files already complete are skipped; huggingface_hub 2.x drops a
    half-written file on failure, so the file that was cut off starts over.
    Raises DownloadCancelled when `cancel` is set, RuntimeError with the reason otherwise (gated
    repos say which licence to accept). The marker file stays until the folder is complete.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    handle = DownloadHandle(e.id, cancel or threading.Event(), bytes_total=e.expected_bytes)
    with _ACTIVE_LOCK:
        if e.id in _ACTIVE:
            raise RuntimeError(f"{e.id} is already downloading")
        _ACTIVE[e.id] = handle
    marker = marker_path(models_dir, e)
    target = local_dir(models_dir, e)
    _write_marker(marker, model_id=e.id, repo_id=e.repo_id, expected_bytes=e.expected_bytes)
    try:
        try:  # exact sizes, and what a resumed download already has
            plan = snapshot_download(
                e.repo_id, allow_patterns=list(e.allow_patterns), local_dir=target, token=token, endpoint=endpoint, dry_run=True
            )
            handle.bytes_total = sum(f.file_size or 0 for f in plan) or e.expected_bytes
            handle.bytes_done = sum(f.file_size or 0 for f in plan if not f.will_download)
        except (GatedRepoError, RepositoryNotFoundError):
            raise
        except Exception:  # the download below reports the real problem
            pass
        snapshot_download(
            e.repo_id,
            allow_patterns=list(e.allow_patterns),
            local_dir=target,
            token=token,
            endpoint=endpoint,
            tqdm_class=progress_bar_class(handle, on_progress),
        )
        if not is_complete(target, e):
            raise RuntimeError(f"download of {e.id} finished without {', '.join(e.required_files)}")
        marker.unlink(missing_ok=True)
        if on_progress is not None:
            done = handle.bytes_total if handle.bytes_total != e.expected_bytes else _dir_bytes(target)
            on_progress(DownloadProgress(e.id, done, done, done / max(1e-6, time.monotonic() - handle.started)))
        return target
    except DownloadCancelled:
        _write_marker(marker, model_id=e.id, repo_id=e.repo_id, cancelled=True)
        raise
    except GatedRepoError as exc:
        msg = f"{e.repo_id} is gated: accept its licence ({e.license}) on huggingface.co and set HF_TOKEN"
        _write_marker(marker, model_id=e.id, repo_id=e.repo_id, error=msg)
        raise RuntimeError(msg) from exc
    except RepositoryNotFoundError as exc:
        msg = f"{e.repo_id} was not found (or needs a token)"
        _write_marker(marker, model_id=e.id, repo_id=e.repo_id, error=msg)
        raise RuntimeError(msg) from exc
    except Exception as exc:
        msg = f"{type(exc).__name__}: {exc}"[:500]
        _write_marker(marker, model_id=e.id, repo_id=e.repo_id, error=msg)
        raise RuntimeError(f"download of {e.id} failed: {msg}") from exc
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.pop(e.id, None)


def cancel_download(model_id: str) -> bool:
    """Set the cancel flag of a download running in this process. False when none is running."""
    with _ACTIVE_LOCK:
        handle = _ACTIVE.get(model_id)
    if handle is None:
        return False
    handle.cancel.set()
    return True
