"""The in-process executor: N slots (default one GPU slot) that claim job rows and run their task.

The database is the queue. A slot claims the oldest pending row (atomic), runs the task for
its type, and finishes the row: completed with outputs (and the shot written back in the
same transaction), failed with a message a user can act on, or cancelled. Events follow the
row, never precede it, so a client reacting to `complete` reads the finished state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from milimo.context import Studio
from milimo.db.models import Job
from milimo.engines.protocols import EngineUnavailable
from milimo.errors import StudioError
from milimo.jobs import store
from milimo.jobs.run import JobRun
from milimo.jobs.states import JobCancelled

log = logging.getLogger(__name__)


@dataclass
class TaskResult:
    outputs: dict[str, Any]
    event: dict[str, Any] = field(default_factory=dict)  # extra fields of the `complete` event
    shot_update: dict[str, Any] | None = None
    new_rows: list[Any] = field(default_factory=list)  # e.g. the Asset of a generated file
    message: str = "Done"


Task = Callable[[JobRun], TaskResult]


def user_message(exc: BaseException) -> str:
    """What to tell the user. Our own errors already speak to them; others get their type named."""
    if isinstance(exc, (StudioError, EngineUnavailable)):
        return str(exc)
    try:
        from milimo.media import MediaError

        if isinstance(exc, MediaError):
            return str(exc)
    except ImportError:
        pass
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


class LocalExecutor:
    def __init__(self, studio: Studio, tasks: dict[str, Task], slots: int) -> None:
        self.studio = studio
        self.tasks = tasks
        self.slots = slots
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active: dict[str, JobRun] = {}
        self._active_lock = threading.Lock()

    def start(self) -> None:
        for i in range(self.slots):
            t = threading.Thread(target=self._slot_loop, name=f"job-slot-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def wake(self) -> None:
        """A job was submitted: wake one idle slot now instead of at its next poll."""
        with self._wake:
            self._wake.notify()

    def cancel(self, job_id: str) -> bool:
        """Flag a running job in this process; it stops at its next step callback."""
        with self._active_lock:
            run = self._active.get(job_id)
        if run is None:
            return False
        run.cancel_event.set()
        return True

    def cancel_and_wait(self, job_ids: list[str], timeout: float) -> None:
        """Cancel running jobs and wait (bounded) until they have let go of their files."""
        for job_id in job_ids:
            self.cancel(job_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and set(job_ids) & set(self.active_ids()):
            time.sleep(0.02)

    def active_ids(self) -> list[str]:
        with self._active_lock:
            return list(self._active)

    def shutdown(self, grace_s: float) -> None:
        """Seed §8: flag every running job, give them a grace period, stop the slots."""
        self._stopping.set()
        with self._active_lock:
            runs = list(self._active.values())
        for run in runs:
            run.cancel_event.set()
        with self._wake:
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout=grace_s)

    # ------------------------------------------------------------------ slots
    def _slot_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job = store.claim_next(self.studio.db)
            except Exception:
                log.exception("could not claim a job")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(timeout=1.0)
                continue
            try:
                self._run(job)
            except Exception:  # a slot must outlive any one job (e.g. its project deleted mid-run)
                log.exception("job %s could not be finished cleanly", job.id)

    def _run(self, job: Job) -> None:
        run = JobRun(self.studio, job)
        with self._active_lock:
            self._active[job.id] = run
        try:
            self._execute(run)
        finally:
            with self._active_lock:
                self._active.pop(job.id, None)

    def _execute(self, run: JobRun) -> None:
        job, bus, db = run.job, self.studio.bus, self.studio.db
        task = self.tasks.get(job.type)
        try:
            if task is None:
                raise StudioError(f"no worker knows how to run a {job.type!r} job")
            run.progress(0, "Loading models...")
            result = task(run)
            run.check_cancel()
        except JobCancelled:
            run.cleanup(succeeded=False)
            store.finish(db, job.id, "cancelled")
            bus.publish("cancelled", {**run.event_base(), "status": "cancelled", "message": "Cancelled by user"})
            return
        except Exception as exc:  # every failure ends the job cleanly, with a message
            message = user_message(exc)
            log.error("job %s (%s) failed: %s", job.id, job.type, message, exc_info=not isinstance(exc, StudioError))
            run.cleanup(succeeded=False)
            store.finish(db, job.id, "failed", error=message)
            bus.publish("error", {**run.event_base(), "status": "failed", "message": message})
            return
        run.cleanup(succeeded=True)
        store.finish(db, job.id, "completed", outputs=result.outputs, shot_update=result.shot_update,
                     new_rows=result.new_rows, message=result.message)
        bus.publish("complete", {**run.event_base(), "status": "completed", "progress": 100, **result.event})
