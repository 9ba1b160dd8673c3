"""The studio's long-lived services, built once per process and shared by routes and workers."""

from __future__ import annotations

from dataclasses import dataclass

from milimo.config import Settings
from milimo.db.engine import Database
from milimo.jobs.events import EventBus


@dataclass
class Studio:
    settings: Settings
    db: Database
    bus: EventBus

    @classmethod
    def build(cls, settings: Settings) -> "Studio":
        return cls(settings=settings, db=Database(settings.db_url), bus=EventBus(settings.event_buffer))

    def close(self) -> None:
        self.db.close()
