"""The studio's long-lived services, built once per process and shared by routes and workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from milimo.config import Settings
from milimo.db.engine import Database
from milimo.engines.manager import ModelManager
from milimo.engines.registry import EngineRegistry
from milimo.jobs.events import EventBus

if TYPE_CHECKING:
    from milimo.jobs.executor import LocalExecutor


@dataclass
class Studio:
    settings: Settings
    db: Database
    bus: EventBus
    engines: EngineRegistry
    models: ModelManager = field(default_factory=ModelManager)
    executor: "LocalExecutor | None" = None

    @classmethod
    def build(cls, settings: Settings) -> "Studio":
        return cls(settings=settings, db=Database(settings.db_url), bus=EventBus(settings.event_buffer),
                   engines=EngineRegistry(settings))

    def wake_workers(self) -> None:
        if self.executor is not None:
            self.executor.wake()

    def close(self) -> None:
        self.db.close()
