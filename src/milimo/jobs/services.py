"""What jobs and the code that submits them need of the studio: a structural type, no import of it.

`milimo.context.Studio` is the one implementation; jobs/, studio/ and tasks/ depend on this
Protocol so they never import the composition root above them (no cycle, one direction).
"""

from __future__ import annotations

from typing import Protocol

from milimo.config import Settings
from milimo.db.database import Database
from milimo.engines.manager import ModelManager
from milimo.engines.registry import EngineRegistry
from milimo.jobs.events import EventBus


class Executor(Protocol):
    """Runs queued job rows. The in-process slots (jobs/executor.py) implement it; so can a cluster's."""

    def start(self, services: "Services") -> None: ...

    def wake(self) -> None:
        """A job was submitted: start it now rather than at the next poll."""

    def cancel(self, job_id: str) -> bool:
        """Flag a running job; it stops at its next step. False if it is not running here."""

    def cancel_and_wait(self, job_ids: list[str], timeout: float) -> None: ...

    def active_ids(self) -> list[str]: ...

    def describe(self) -> dict:
        """For GET /health and /engines: {"executor": kind, "workers": [{name, device, active, loaded, loads, ...}]}."""

    def shutdown(self, grace_s: float) -> None: ...


class Services(Protocol):
    settings: Settings
    db: Database
    bus: EventBus
    engines: EngineRegistry  # which engine serves each capability
    residency: ModelManager  # which weights are on the device, and who is using them
    executor: Executor
