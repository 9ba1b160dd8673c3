"""The task side of the job contract: what a task returns, and its signature.

A task is `def run_x(run: JobRun, params: XParams) -> TaskResult`, one module per job type in
milimo.tasks. It reads its typed params, reports through `run`, and returns what the finished
row, the shot and the `complete` event should carry; the executor writes all of it in one
transaction and then publishes the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from milimo.db.states import JobType
from milimo.jobs.params import JobParams
from milimo.jobs.results import JobOutputs, ShotTake
from milimo.jobs.run import JobRun


@dataclass
class TaskResult:
    outputs: JobOutputs
    event: dict[str, Any] = field(default_factory=dict)  # extra fields of the `complete` event
    take: ShotTake | None = None
    new_rows: list[Any] = field(default_factory=list)  # e.g. the Asset of a generated file
    # writes of the job type's own in the finishing transaction, (session, job row) -> None
    writeback: Callable[[Any, Any], None] | None = None
    message: str = "Done"


Task = Callable[[JobRun, Any], TaskResult]  # (run, the params model of its type) -> result
TaskRegistry = dict[JobType, Task]

__all__ = ["JobOutputs", "JobParams", "ShotTake", "Task", "TaskRegistry", "TaskResult"]
