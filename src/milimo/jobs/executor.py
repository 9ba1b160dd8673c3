"""The in-process executor: N slots (default one GPU slot) that claim job rows and run their task.

The database is the queue. A slot claims the oldest pending row (atomic), validates its params
against the model for its type, runs the task, and finishes the row: completed with outputs (and
the shot's take in the same transaction), failed with a message a user can act on, or cancelled.
Events follow the row, never precede it, so a client reacting to `complete` reads the finished state.
"""

from __future__ import annotations

import logging
import threading
import time

from milimo.db.models import Job
from milimo.db.states import JobStatus, JobType
from milimo.errors import StudioError
from milimo.jobs import store
from milimo.jobs.contract import TaskRegistry
from milimo.jobs.leases import JobLeases
from milimo.jobs.params import InvalidJobParams, parse_params
from milimo.jobs.recovery import end_dependents
from milimo.jobs.run import JobCancelled, JobRun
from milimo.jobs.services import Services

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """What to tell the user. Our own errors already speak to them; others get their type named."""
    if isinstance(exc, StudioError):
        return exc.message
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def ready_families(services: Services) -> frozenset[str]:
    """Families a job can start on here without loading weights: those resident, and the CPU engines'."""
    ready = set(services.residency.status()["loaded"]) | {""}  # "": the job needs no model (a render)
    for capability in ("video", "image", "text", "inpaint"):
        try:
            choice = services.engines.choose(capability)
        except Exception:  # selection trouble shows on the job that needs it
            continue
        if not choice.engine.uses_accelerator:
            ready.add(choice.engine.family)
    return frozenset(ready)


class LocalExecutor:
    """Implements jobs.services.Executor with threads of this process."""

    def __init__(
        self, tasks: TaskRegistry, slots: int, *, affinity_wait_s: float | None = None, leases: JobLeases | None = None
    ) -> None:
        """`affinity_wait_s` (cluster workers): take jobs of the families this worker holds first, and a job of
        another family only once it has waited that long (a warm worker gets the first chance at it).
        `leases` (PostgreSQL clusters): hold each running job's lease, so a dead worker's job is found."""
        self.tasks = tasks
        self.slots = slots
        self.affinity_wait_s = affinity_wait_s
        self.leases = leases
        self._services: Services | None = None
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._active: dict[str, JobRun] = {}
        self._active_lock = threading.Lock()

    def start(self, services: Services) -> None:
        self._services = services
        for i in range(self.slots):
            t = threading.Thread(target=self._slot_loop, args=(services,), name=f"job-slot-{i}", daemon=True)
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

    def describe(self) -> dict:
        services = self._services
        worker: dict = {"name": "in-process", "kind": "local", "slots": self.slots, "active": self.active_ids()}
        if services is not None:
            worker.update(device=services.settings.device, **services.residency.status())
        return {"executor": "local", "workers": [worker]}

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
    def _slot_loop(self, services: Services) -> None:
        while not self._stopping.is_set():
            try:
                job = self._claim(services)
            except Exception:
                log.exception("could not claim a job")
                job = None
            if job is None:
                with self._wake:
                    # With affinity a deferred job becomes ours after affinity_wait_s: look again by then.
                    self._wake.wait(timeout=1.0 if self.affinity_wait_s is None else max(0.05, self.affinity_wait_s))
                continue
            try:
                self._run(services, job)
            except Exception:  # a slot must outlive any one job (e.g. its project deleted mid-run)
                log.exception("job %s could not be finished cleanly", job.id)

    def _claim(self, services: Services) -> Job | None:
        if self.affinity_wait_s is None:
            return store.claim_next(services.db)
        return store.claim_next(services.db, ready_families=ready_families(services), defer_s=self.affinity_wait_s)

    def _run(self, services: Services, job: Job) -> None:
        if self.leases is None:
            self._run_claimed(services, job)
            return
        self.leases.hold(job.id)
        try:
            self._run_claimed(services, job)
        finally:
            self.leases.release(job.id)

    def _run_claimed(self, services: Services, job: Job) -> None:
        try:
            params = parse_params(job.type, job.params)
            if job.type not in self.tasks:  # a worker built with fewer tasks than there are types
                raise InvalidJobParams(f"no worker here knows how to run a {job.type!r} job")
        except StudioError as exc:  # a row this version cannot run: fail it, with the reason
            log.error("job %s (%s) has invalid params: %s", job.id, job.type, exc.message)
            if store.finish(services.db, job.id, JobStatus.failed, error=exc.message) is not None:
                services.bus.publish("error", {**store.event_fields(job), "status": JobStatus.failed, "message": exc.message})
                end_dependents(services.db, services.bus, job.id)
            return
        run = JobRun(services, job, params)
        with self._active_lock:
            self._active[job.id] = run
        try:
            self._execute(services, run)
        finally:
            with self._active_lock:
                self._active.pop(job.id, None)

    def _execute(self, services: Services, run: JobRun) -> None:
        job, bus, db = run.job, services.bus, services.db
        task = self.tasks[JobType(job.type)]  # _run_claimed checked that this executor has a task for the type
        try:
            run.progress(0, "Loading models...")
            result = task(run, run.params)
            run.check_cancel()
        except JobCancelled:
            run.cleanup(succeeded=False)
            if store.finish(db, job.id, JobStatus.cancelled) is not None:
                bus.publish("cancelled", {**run.event_base(), "status": JobStatus.cancelled, "message": "Cancelled by user"})
                end_dependents(db, bus, job.id)
            return
        except Exception as exc:  # every failure ends the job cleanly, with a message
            message = user_message(exc)
            log.error("job %s (%s) failed: %s", job.id, job.type, message, exc_info=not isinstance(exc, StudioError))
            run.cleanup(succeeded=False)
            if store.finish(db, job.id, JobStatus.failed, error=message) is not None:
                bus.publish("error", {**run.event_base(), "status": JobStatus.failed, "message": message})
                end_dependents(db, bus, job.id)
            return
        run.cleanup(succeeded=True)
        finished = store.finish(
            db,
            job.id,
            JobStatus.completed,
            outputs=result.outputs,
            take=result.take,
            new_rows=result.new_rows,
            message=result.message,
            writeback=result.writeback,
        )
        if finished is None:  # the row ended without us (reaped while this worker was cut off, or deleted)
            log.warning("job %s finished here but its row had already ended; its result is not recorded", job.id)
            return
        outputs = result.outputs.model_dump(mode="json", exclude_unset=True)
        bus.publish("complete", {**run.event_base(), "status": JobStatus.completed, "progress": 100, **outputs, **result.event})
        self.wake()  # a job waiting for this one (still first) can run now
