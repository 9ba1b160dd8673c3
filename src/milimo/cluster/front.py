"""The replica side of a cluster: an API process whose jobs run on workers elsewhere.

Its executor wakes the workers when a job is submitted and forwards cancels to them (the row's
flag is the truth; the message only makes the stop immediate); the channel brings every
worker's events into this replica's EventBus, so SSE clients here see jobs that ran anywhere,
with Last-Event-ID replay and resync as before; heartbeats say which workers are alive.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from milimo.cluster.node import STALE_AFTER_S, require_postgres
from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Job
from milimo.db.states import ACTIVE
from milimo.jobs.channel import Channel, WorkerRegistry
from milimo.jobs.events import ENGINES_CHANGED, EventBus
from milimo.jobs.leases import Reaper
from milimo.jobs.services import Services

log = logging.getLogger(__name__)


class ClusterExecutor:
    """Implements jobs.services.Executor for a replica whose jobs run on `milimo worker` processes."""

    kind = "external"

    def __init__(self, settings: Settings, db: Database, bus: EventBus) -> None:
        require_postgres(settings)
        self.settings, self.db, self.bus = settings, db, bus
        self.services: Services | None = None
        self.channel = Channel(settings.db_url)
        self.registry = WorkerRegistry(STALE_AFTER_S)
        self.reaper = Reaper(db, bus, settings)
        bus.relay = lambda event: self.channel.send_event(event.type, event.data)
        self.channel.on("e", self._event)
        self.channel.on("h", self._heartbeat)

    def _event(self, message: dict[str, Any], own: bool) -> None:
        if not own and message.get("t"):
            if message["t"] == ENGINES_CHANGED and self.services is not None:
                self.services.engines.refresh()  # another replica's library changed: the folder is shared
            self.bus.publish_remote(str(message["t"]), dict(message.get("d") or {}))

    def _heartbeat(self, message: dict[str, Any], own: bool) -> None:
        info = message.get("w") or {}
        if info.get("gone"):
            self.registry.forget(str(info.get("name")))
        else:
            self.registry.heard(message, own)

    # ------------------------------------------------------------------ Executor
    def start(self, services: Services) -> None:
        self.services = services
        self.channel.start()
        self.reaper.start()

    def wake(self) -> None:
        self.channel.send("w")

    def cancel(self, job_id: str) -> bool:
        self.channel.send("c", {"j": job_id})
        return True

    def cancel_and_wait(self, job_ids: list[str], timeout: float) -> None:
        for job_id in job_ids:
            self.cancel(job_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._still_active(job_ids):
            time.sleep(0.05)

    def _still_active(self, job_ids: list[str]) -> bool:
        with self.db.read() as session:
            return any((job := session.get(Job, j)) is not None and job.status in ACTIVE for j in job_ids)

    def active_ids(self) -> list[str]:
        return sorted({j for w in self.registry.alive() for j in w.get("active", [])})

    def workers(self) -> list[dict[str, Any]]:
        return self.registry.alive()

    def describe(self) -> dict[str, Any]:
        return {"executor": self.kind, "workers": self.workers()}

    def shutdown(self, grace_s: float) -> None:
        """The workers' jobs are theirs: a replica going away leaves them running."""
        self.reaper.stop()
        self.channel.close()
