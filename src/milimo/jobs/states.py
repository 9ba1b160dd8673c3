"""Job states and the small typed values that move between the queue, workers and routes."""

from __future__ import annotations

from typing import Literal

JobStatus = Literal["pending", "processing", "completed", "failed", "cancelled"]
ACTIVE: frozenset[str] = frozenset({"pending", "processing"})
TERMINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


class JobCancelled(Exception):
    """Raised inside a worker (usually by a step callback) when the job was cancelled."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} cancelled by user")
        self.job_id = job_id
