"""What a task sees while it runs: progress, ETA, cancellation, logs, scratch space.

A task reports progress as a percentage of the whole job. Phases that have steps (denoising,
encoding) get a StepCallback from `steps(lo, hi)` that maps step/total into [lo, hi],
estimates the remaining time from the pace so far, and raises JobCancelled when the job
was cancelled. Progress never goes backwards (the public implementation fell from ~90 % to
~36 % when LTX's second stage began). Events go out on every step; the row is written at
most a few times a second, because SQLite has better things to do.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from milimo.db.models import Job
from milimo.db.states import JobStatus
from milimo.engines.protocols import StepCallback
from milimo.jobs import store
from milimo.jobs.params import JobParams
from milimo.jobs.services import Services

log = logging.getLogger(__name__)
DB_WRITE_INTERVAL_S = 0.5
# A progress event goes to every SSE client: a draft render reporting each of 241 frames sent 100
# clients 24,000 writes in 4 s and held /status past 150 ms. Ten a second is smoother than a bar needs;
# a new phase, an event with extra fields and a phase's last step are always sent.
EVENT_INTERVAL_S = 0.1
CANCEL_POLL_INTERVAL_S = 1.0


class JobCancelled(Exception):
    """Raised inside a worker (usually by a step callback) when the job was cancelled."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} cancelled by user")
        self.job_id = job_id


@dataclass
class JobRun:
    services: Services
    job: Job
    params: JobParams  # validated against the row's type when the slot claimed it
    cancel_event: threading.Event = field(default_factory=threading.Event)
    progress_value: float = 0.0
    message: str = ""
    _last_db_write: float = 0.0
    _last_event: float = -1e9
    _phase: str = ""  # the message without its step counter: a new phase is written to the row at once
    _last_cancel_poll: float = 0.0
    _cleanup: list[Path] = field(default_factory=list)
    _cleanup_on_failure: list[Path] = field(default_factory=list)

    # ------------------------------------------------------------------ identity
    @property
    def job_id(self) -> str:
        return self.job.id

    @property
    def project_id(self) -> str:
        """The job's project. Every job type a task runs for belongs to one (the row's column is nullable
        only for the schema's sake), so a job without one is a broken row, not a user's mistake."""
        if self.job.project_id is None:
            raise RuntimeError(f"job {self.job.id} belongs to no project")
        return self.job.project_id

    @property
    def project_dir(self) -> Path:
        return self.services.settings.project_dir(self.project_id)

    def event_base(self) -> dict[str, Any]:
        return store.event_fields(self.job)

    # ------------------------------------------------------------------ cancellation
    def check_cancel(self) -> None:
        """Raise JobCancelled if the user cancelled (flag in memory, or the row for other processes)."""
        if self.cancel_event.is_set():
            raise JobCancelled(self.job.id)
        now = time.monotonic()
        if now - self._last_cancel_poll >= CANCEL_POLL_INTERVAL_S:
            self._last_cancel_poll = now
            if store.cancel_requested(self.services.db, self.job.id):
                self.cancel_event.set()
                raise JobCancelled(self.job.id)

    # ------------------------------------------------------------------ progress
    def progress(
        self,
        percent: float,
        message: str | None = None,
        *,
        eta: float | None = None,
        phase: str | None = None,
        always: bool = False,
        **extra: Any,
    ) -> None:
        """`phase`: the message's label when the message carries a counter ("Encoding (3/121)" -> "Encoding").
        `always`: send the event even within EVENT_INTERVAL_S of the last one (a phase's last step)."""
        self.check_cancel()
        self.progress_value = max(self.progress_value, min(100.0, float(percent)))
        new_phase = message is not None and (phase or message) != self._phase
        if message is not None:
            self._phase = phase or message
        if message is not None:
            self.message = message
        now = time.monotonic()
        if not (new_phase or extra or always or self.progress_value >= 100.0 or now - self._last_event >= EVENT_INTERVAL_S):
            return  # the row and the next event carry it
        self._last_event = now
        payload = {
            **self.event_base(),
            "progress": round(self.progress_value, 2),
            "status": JobStatus.processing,
            "message": self.message,
            "eta": None if eta is None else round(eta, 1),
            **extra,
        }
        self.services.bus.publish("progress", payload)
        if new_phase or now - self._last_db_write >= DB_WRITE_INTERVAL_S:
            self._last_db_write = now
            store.write_progress(self.services.db, self.job.id, self.progress_value, message, eta)

    def steps(self, lo: float, hi: float, label: str, *, repeats_after: float = 0) -> StepCallback:
        """A step callback for a phase spanning [lo, hi] percent of the job. `repeats_after`: how much more
        work like this phase follows, in units of this phase (a chained shot's later chunks, weighed by
        their frames), so the ETA is the whole job's."""
        started = time.monotonic()

        def on_step(step: int, total: int) -> None:
            total = max(total, 1)
            step = min(max(step, 0), total)
            elapsed = time.monotonic() - started
            eta = elapsed / step * (total - step + repeats_after * total) if step else None
            self.progress(lo + (hi - lo) * step / total, f"{label} ({step}/{total})", eta=eta, phase=label, always=step == total)

        return on_step

    def log(self, message: str) -> None:
        log.info("%s: %s", self.job.id, message)
        self.services.bus.publish("log", {**self.event_base(), "message": message})

    # ------------------------------------------------------------------ files
    def workspace(self) -> Path:
        """Scratch folder for this job; removed when the job ends, whatever the outcome."""
        path = self.project_dir / "workspace" / self.job.id
        path.mkdir(parents=True, exist_ok=True)
        self._cleanup.append(path)
        return path

    def remove_on_failure(self, path: Path) -> None:
        """Outputs written before a failure or cancel are removed, so no URL points at them."""
        self._cleanup_on_failure.append(path)

    def cleanup(self, succeeded: bool) -> None:
        paths = list(self._cleanup) + ([] if succeeded else list(self._cleanup_on_failure))
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
