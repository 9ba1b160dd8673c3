"""Cancellation (seed §8): a pending job ends at once, a running one stops at its next step."""

from __future__ import annotations

import contextlib
from typing import Literal

from milimo.db.states import JobStatus
from milimo.errors import Conflict
from milimo.jobs import store
from milimo.jobs.services import Services


def cancel_job(services: Services, job_id: str) -> Literal["cancelled", "cancelling"]:
    """Cancel a job and the jobs tied to it (a still-first shot's still and video go together)."""
    linked = store.linked_jobs(services.db, job_id)
    outcome = _cancel_one(services, job_id)
    for other in linked:
        with contextlib.suppress(Conflict):  # it ended meanwhile
            _cancel_one(services, other)
    return outcome


def _cancel_one(services: Services, job_id: str) -> Literal["cancelled", "cancelling"]:
    """Cancel one job. The row is the truth (other processes read its flag); this process's slot is
    flagged too so it stops at its very next step. A job cancelled before it ran gets its event here,
    since no slot will ever publish one for it."""
    job = store.request_cancel(services.db, job_id)
    if job.status == JobStatus.cancelled:
        services.bus.publish(
            "cancelled", {**store.event_fields(job), "status": JobStatus.cancelled, "message": "Cancelled before it started"}
        )
        return "cancelled"
    services.executor.cancel(job_id)
    return "cancelling"


def cancel_project_jobs(services: Services, project_id: str) -> None:
    """Before a project goes: cancel its jobs and wait (bounded) until the running ones let go of its files."""
    # Pending rows go with the project (foreign-key cascade); only running ones need stopping.
    services.executor.cancel_and_wait(store.active_job_ids(services.db, project_id), services.settings.shutdown_grace_s + 3)
