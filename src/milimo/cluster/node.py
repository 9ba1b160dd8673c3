"""A worker node: the services of a process that runs jobs but serves no HTTP (a Ray actor, `milimo worker`).

It claims rows from the shared PostgreSQL queue with the in-process slots (affinity on: its warm
family first), holds a lease per running job (jobs/leases.py), publishes its events to every
replica over LISTEN/NOTIFY, stops a job when any replica sends its cancel, and beats a heartbeat
that says where it runs and what it holds, for GET /health and GET /engines.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from milimo.config import Settings
from milimo.db.database import Database
from milimo.engines.manager import ModelManager
from milimo.engines.registry import EngineRegistry
from milimo.jobs.channel import Channel
from milimo.jobs.contract import TaskRegistry
from milimo.jobs.events import ENGINES_CHANGED, EventBus
from milimo.jobs.executor import LocalExecutor
from milimo.jobs.leases import JobLeases, Reaper
from milimo.jobs.services import Executor
from milimo.tasks import TASKS

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0
STALE_AFTER_S = 4.0  # a worker not heard from for this long is not listed as alive


def require_postgres(settings: Settings) -> None:
    if settings.db_kind != "postgresql":
        raise RuntimeError(
            f"MILIMO_EXECUTOR={settings.executor} and `milimo worker` need PostgreSQL as the shared queue; "
            f"set MILIMO_DATABASE_URL=postgresql+psycopg://... (it is {settings.db_kind})"
        )


class WorkerNode:
    """Implements jobs.services.Services for a job-running process of a cluster."""

    def __init__(
        self,
        settings: Settings,
        name: str = "",
        *,
        kind: str = "worker",
        tasks: TaskRegistry | None = None,
        slots: int = 1,
        gpu_ids: list[Any] | None = None,
    ) -> None:
        require_postgres(settings)
        self.settings = settings
        self.name = name or settings.worker_name or f"{socket.gethostname()}-{os.getpid()}"
        self.kind = kind
        self.gpu_ids = gpu_ids or []
        self.db = Database(settings.db_url)
        self.bus = EventBus(settings.event_buffer)
        self.engines = EngineRegistry(settings)
        self.residency = ModelManager()
        self.leases = JobLeases(settings.db_url)
        self.slots = LocalExecutor(
            TASKS if tasks is None else tasks, slots, affinity_wait_s=settings.affinity_wait_s, leases=self.leases
        )
        self.executor: Executor = self.slots
        self.channel = Channel(settings.db_url, origin=self.name)
        self.bus.relay = lambda event: self.channel.send_event(event.type, event.data)
        self.channel.on("w", lambda _m, _own: self.executor.wake())
        self.channel.on("c", self._cancel)
        self.channel.on("e", self._library_changed)
        self.reaper = Reaper(self.db, self.bus, settings)
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def _library_changed(self, message: dict[str, Any], own: bool) -> None:
        """A replica's model library changed (the folder is shared): select engines again for the next job."""
        if not own and message.get("t") == ENGINES_CHANGED:
            self.engines.refresh()

    def _cancel(self, message: dict[str, Any], _own: bool) -> None:
        self.executor.cancel(str(message.get("j", "")))  # False when the job runs elsewhere: nothing to do here

    def start(self) -> None:
        self.settings.ensure_dirs()
        self.channel.start()
        self.executor.start(self)
        self.reaper.start()
        self._beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        self._beat.start()
        log.info("worker %s claims jobs from %s", self.name, self.settings.db_kind)

    def describe(self) -> dict[str, Any]:
        status = self.residency.status()
        engines: dict[str, str | None] = {}
        for capability in ("video", "image", "text"):
            try:
                engines[capability] = self.engines.get(capability).name
            except Exception:
                engines[capability] = None
        return {
            "name": self.name,
            "kind": self.kind,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "device": self.settings.device,
            "gpu_ids": [str(g) for g in self.gpu_ids],
            "video_engine": engines["video"],
            "engines": engines,  # what this worker's next job of each kind runs on
            "active": self.executor.active_ids(),
            "slots": self.slots.slots,
            **status,
        }

    def _heartbeat(self) -> None:
        while not self._stop.is_set():
            self.channel.send("h", {"w": self.describe()})
            self._stop.wait(HEARTBEAT_S)

    def stop(self) -> None:
        self._stop.set()
        self.reaper.stop()
        self.executor.shutdown(self.settings.shutdown_grace_s)
        self.residency.unload_all()
        self.channel.send("h", {"w": {"name": self.name, "gone": True}})
        self.channel.close()
        self.leases.close()
        self.db.close()
