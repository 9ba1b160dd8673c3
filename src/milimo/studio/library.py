"""The model library as the studio offers it: every manifest entry's status, downloads, deletes.

Downloads run in their own threads, never in a GPU job slot, and report on the event bus:
`download_progress` (at most every 0.5 s: bytes, total, speed, eta), then `download_complete` or
`download_error` {model_id, message, resumable, gated}. When weights arrive or go, engine
selection is refreshed: the next job uses what is on disk now; a running job keeps its engine.
One ModelLibrary per studio (Studio.library) owns the downloads running in this process.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from milimo.engines import library
from milimo.engines.library import MANIFEST, DownloadCancelled, DownloadProgress, ModelEntry
from milimo.engines.protocols import Engine
from milimo.errors import Conflict, NotFound, StudioError, Unavailable
from milimo.jobs.services import Services
from milimo.studio.engine_selection import refresh_engines

log = logging.getLogger(__name__)

DISK_HEADROOM = 1.1  # a download needs its remaining size x 1.1 free
PROGRESS_INTERVAL_S = 0.5


class InsufficientStorage(StudioError):
    status_code = 507
    code = "insufficient_storage"


@dataclass
class _Download:
    model_id: str
    cancel: threading.Event = field(default_factory=threading.Event)
    resuming: bool = False  # files from an earlier run are on disk: the library's average speed counts them
    bytes_done: int = 0
    bytes_total: int = 0
    speed_bps: float = 0.0
    last_sample: tuple[float, int] | None = None
    last_event: float = 0.0

    def update(self, p: DownloadProgress) -> None:
        """Speed from the bytes that arrived since the last report (resumed bytes do not count), smoothed."""
        now = time.monotonic()
        if self.last_sample is not None and now > self.last_sample[0]:
            rate = max(0.0, (p.bytes_done - self.last_sample[1]) / (now - self.last_sample[0]))
            self.speed_bps = rate if not self.speed_bps else 0.7 * self.speed_bps + 0.3 * rate
        elif not self.speed_bps and not self.resuming:
            self.speed_bps = p.speed_bps
        self.last_sample = (now, p.bytes_done)
        self.bytes_done, self.bytes_total = p.bytes_done, p.bytes_total

    def public(self) -> dict[str, Any]:
        left = max(0, self.bytes_total - self.bytes_done)
        return {
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "progress": round(100 * self.bytes_done / self.bytes_total, 2) if self.bytes_total else 0.0,
            "speed_bps": round(self.speed_bps, 1),
            "eta_s": round(left / self.speed_bps, 1) if self.speed_bps > 0 else None,
        }


def _entry(model_id: str) -> ModelEntry:
    try:
        return library.entry(model_id)
    except KeyError:
        raise NotFound(f"no model called {model_id!r}; known: {', '.join(e.id for e in MANIFEST)}") from None


# The ModelManager family an engine's weights load under (its `family`), where it differs from the name.
FAMILY_OF_ENGINE = {"flux2-klein": "flux2"}


def _families(e: ModelEntry) -> set[str]:
    """The families that load this entry's files: its engine's, and those of the engines that also use it."""
    return {FAMILY_OF_ENGINE.get(name, name) for name in (e.engine, *e.used_by)}


def _uses(engine: Engine, folder: Path) -> bool:
    """Whether a loaded engine was built from files under `folder` (weights, text encoder, upsampler, LoRAs)."""
    folder = folder.resolve()

    def paths(value: Any):
        if isinstance(value, dict):
            for v in value.values():
                yield from paths(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from paths(v)
        elif isinstance(value, (str, Path)) and Path(value).expanduser().is_absolute():
            yield Path(value).expanduser()

    try:
        return any(p.resolve().is_relative_to(folder) for p in paths(engine.describe()))
    except Exception:  # describe() of a half-loaded engine: assume it does
        return True


def check_disk(models_dir: Path, e: ModelEntry, bytes_on_disk: int) -> None:
    """507 unless the disk holds what is left to download, x 1.1."""
    needed = int(max(0, e.expected_bytes - bytes_on_disk) * DISK_HEADROOM)
    free = shutil.disk_usage(models_dir).free
    if free < needed:
        raise InsufficientStorage(
            f"{e.id} needs about {needed / 1e9:.1f} GB free in {models_dir}; {free / 1e9:.1f} GB are free",
            model_id=e.id,
            needed_bytes=needed,
            free_bytes=free,
        )


class ModelLibrary:
    """Every manifest entry's status, and the downloads running in this process (no module state)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._downloads: dict[str, _Download] = {}  # keyed by model id, like the library's own registry
        self._lock = threading.Lock()

    @property
    def models_dir(self) -> Path:
        return self.services.settings.models_dir

    def _info(self, e: ModelEntry, resident: list[tuple[Engine, bool]]) -> dict[str, Any]:
        st = library.model_status(self.models_dir, e)
        with self._lock:
            dl = self._downloads.get(e.id)
            progress = dl.public() if dl is not None else None
        state = "downloading" if dl is not None else st.state
        if state == "downloading" and progress is None:  # another process is downloading it
            done = st.bytes_on_disk
            progress = {
                "bytes_done": done,
                "bytes_total": e.expected_bytes,
                "progress": round(100 * done / e.expected_bytes, 2),
                "speed_bps": 0.0,
                "eta_s": None,
            }
        users = [(engine, busy) for engine, busy in resident if st.path is not None and _uses(engine, st.path)]
        return {
            "id": e.id,
            "name": e.name,
            "engine": e.engine,
            "used_by": [e.engine, *e.used_by],
            "role": e.role,
            "variant": e.variant,
            "repo_id": e.repo_id,
            "license": e.license,
            "gated": e.gated,
            "commercial_use": e.commercial_use,
            "description": e.description,
            "requires": list(e.requires),
            "missing_requirements": self._missing(e),
            "status": state,
            "size_bytes": e.expected_bytes,
            "bytes_on_disk": st.bytes_on_disk,
            "path": str(st.path) if st.path else None,
            "source": st.source,
            "partial": st.partial,
            "message": "download in progress" if dl is not None else st.message,
            "loaded": bool(users),
            "in_use": any(busy for _, busy in users),
            "progress": progress,
        }

    def _missing(self, e: ModelEntry) -> list[str]:
        """Required entries not downloaded yet."""
        return [r for r in e.requires if library.model_status(self.models_dir, library.entry(r)).state != "downloaded"]

    def list_models(self) -> dict[str, Any]:
        """Every manifest entry with its status on disk (and progress while downloading)."""
        resident = self.services.residency.resident()
        self.models_dir.mkdir(parents=True, exist_ok=True)
        models = [self._info(e, resident) for e in MANIFEST]
        return {
            "models": models,
            "count": len(models),
            "models_dir": str(self.models_dir),
            "disk_free_bytes": shutil.disk_usage(self.models_dir).free,
        }

    def get_model(self, model_id: str) -> dict[str, Any]:
        return self._info(_entry(model_id), self.services.residency.resident())

    def start_download(self, model_id: str, *, token: str | None = None) -> dict[str, Any]:
        """Start (or resume) a download in a background thread. 409 when downloaded or downloading, 507 when the disk is short."""
        e = _entry(model_id)
        if importlib.util.find_spec("huggingface_hub") is None:
            raise Unavailable("downloads need huggingface_hub; install the model stack with `pip install -e '.[models]'`")
        self.models_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if e.id in self._downloads:
                raise Conflict(f"{e.id} is already downloading", model_id=e.id)
            st = library.model_status(self.models_dir, e)
            if st.state == "downloaded":
                raise Conflict(f"{e.id} is already downloaded ({st.path})", model_id=e.id)
            if st.state == "downloading":
                raise Conflict(f"{e.id} is being downloaded by another process", model_id=e.id)
            check_disk(self.models_dir, e, st.bytes_on_disk)
            dl = _Download(e.id, resuming=st.bytes_on_disk > 0, bytes_total=e.expected_bytes, bytes_done=st.bytes_on_disk)
            self._downloads[e.id] = dl
        threading.Thread(target=self._download, args=(e, dl, token), name=f"download-{e.id}", daemon=True).start()
        missing = self._missing(e)
        message = f"Downloading {e.name}" + (f"; it also needs {', '.join(missing)}" if missing else "")
        return {"model_id": e.id, "status": "downloading", "message": message, "missing_requirements": missing}

    def _download(self, e: ModelEntry, dl: _Download, token: str | None) -> None:
        bus = self.services.bus

        def on_progress(p: DownloadProgress) -> None:
            with self._lock:
                dl.update(p)
                now = time.monotonic()
                due = now - dl.last_event >= PROGRESS_INTERVAL_S
                if due:
                    dl.last_event = now
                payload = dl.public()
            if due:
                bus.publish("download_progress", {"model_id": e.id, **payload})

        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()  # the events are the progress; no hub bars in the server log
        started = time.monotonic()
        try:
            path = library.download_model(self.models_dir, e, on_progress=on_progress, cancel=dl.cancel, token=token)
        except DownloadCancelled:
            self._finish(e.id)
            bus.publish(
                "download_error",
                {
                    "model_id": e.id,
                    "message": "Download cancelled; downloading again resumes it",
                    "resumable": True,
                    "gated": False,
                    "cancelled": True,
                },
            )
            return
        except Exception as exc:  # every failure ends as an event the user can act on
            message = str(exc)
            # The library says "is gated" / "needs a token"; the hub answers 401/403 to a missing or refused token.
            gated = e.gated and any(w in message for w in ("is gated", "needs a token", "401", "403"))
            log.warning("download of %s failed: %s", e.id, message)
            self._finish(e.id)
            bus.publish(
                "download_error",
                {"model_id": e.id, "message": message, "resumable": not gated, "gated": gated, "cancelled": False},
            )
            return
        self._finish(e.id)  # before the event: a client reacting to it reads "downloaded"
        refresh_engines(self.services)
        bus.publish(
            "download_complete",
            {"model_id": e.id, "path": str(path), "bytes": dl.bytes_total, "seconds": round(time.monotonic() - started, 2)},
        )

    def _finish(self, model_id: str) -> None:
        with self._lock:
            self._downloads.pop(model_id, None)

    def cancel_download(self, model_id: str) -> dict[str, Any]:
        """Flag a running download; it stops at its next chunk and ends with download_error (resumable)."""
        e = _entry(model_id)
        with self._lock:
            dl = self._downloads.get(e.id)
        if dl is None:
            raise NotFound(f"no download of {e.id} is running in this studio")
        dl.cancel.set()
        return {"model_id": e.id, "status": "cancelling"}

    def stop_downloads(self, timeout_s: float) -> None:
        """Cancel every download of this process and wait until they stopped (server shutdown).

        Otherwise the hub client's threads are cut off mid-write when the process ends (or, where the
        interpreter exits normally, keep it alive until a 40 GB download is done: they are not
        daemons). The files so far stay; downloading again resumes.
        """
        with self._lock:
            running = list(self._downloads.values())
        for dl in running:
            dl.cancel.set()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self._downloads:
                    return
            time.sleep(0.05)
        log.warning("downloads still running at shutdown: %s", ", ".join(self._downloads))

    def _workers_holding(self, e: ModelEntry) -> list[str]:
        """Cluster workers (other processes) whose heartbeat says they hold a family this entry's files feed.
        This process's own weights are the ModelManager's business (evicted below, or 409 while in use)."""
        families = _families(e)
        holders = []
        for w in self.services.executor.describe().get("workers", []):
            if w.get("kind") == "local":
                continue
            held = families & (set(w.get("loaded") or ()) | set(w.get("in_use") or {}))
            if held:
                holders.append(f"worker {w.get('name')} ({', '.join(sorted(held))})")
        return holders

    def delete_model(self, model_id: str) -> dict[str, Any]:
        """Delete a model's folder (and any partial download). 409 while downloading, in use by a running job,
        or loaded on a cluster worker (GET /engines `workers`)."""
        e = _entry(model_id)
        with self._lock:
            if e.id in self._downloads:
                raise Conflict(f"{e.id} is downloading; cancel the download first (DELETE /models/{e.id}/download)")
        st = library.model_status(self.models_dir, e)
        if st.state == "downloading":
            raise Conflict(f"{e.id} is being downloaded by another process")
        folder, marker = library.local_dir(self.models_dir, e), library.marker_path(self.models_dir, e)
        if not folder.exists() and not marker.exists():
            if st.source == "hf_cache":
                raise Conflict(f"{e.id} lives in the shared Hugging Face cache ({st.path}); remove it there (`hf cache delete`)")
            raise NotFound(f"{e.id} is not downloaded")
        holders = self._workers_holding(e)
        if holders:
            raise Conflict(
                f"{e.id} is loaded on {', '.join(holders)}; delete it once no worker holds it "
                "(a worker lets a family go when it loads another one, or when it stops)"
            )
        busy = self.services.residency.evict(lambda engine: _uses(engine, folder))
        if busy:
            raise Conflict(f"{e.id} is in use by a running {', '.join(busy)} job; delete it when the job has finished")
        freed = 0
        if folder.exists():
            # Renamed first: a half-deleted folder must never look like a complete model.
            doomed = folder.with_name(f".{folder.name}.deleting-{uuid.uuid4().hex[:8]}")
            folder.rename(doomed)
            freed = st.bytes_on_disk if st.source != "hf_cache" else 0
            shutil.rmtree(doomed, ignore_errors=True)
        marker.unlink(missing_ok=True)
        refresh_engines(self.services)
        return {"model_id": e.id, "deleted": True, "freed_bytes": freed}
