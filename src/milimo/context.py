"""The studio: its long-lived services, built once per process, and their one lifecycle.

`Studio.start()` is seed §5 (directories, migrations, zombie recovery, executor slots, and the
segmentation service as a supervised child when `sam_autostart`) and
`Studio.stop()` is seed §8 (flag running jobs, grace period, stop downloads, unload models,
close the database). `milimo serve`, `milimo generate` and the tests all go through them, so
after start() everything below is there. jobs/, studio/ and tasks/ see the studio only through
the `jobs.services.Services` protocol it implements; this module is the composition root.
"""

from __future__ import annotations

import asyncio
import logging

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.migrate import upgrade
from milimo.engines.manager import ModelManager
from milimo.engines.registry import EngineRegistry
from milimo.jobs.contract import TaskRegistry
from milimo.jobs.events import EventBus
from milimo.jobs.executor import LocalExecutor
from milimo.jobs.recovery import recover_zombies, remove_unfinished_outputs
from milimo.jobs.services import Executor
from milimo.sam_service.supervisor import SamSupervisor
from milimo.studio.library import ModelLibrary
from milimo.studio.state import ensure_shot_json
from milimo.tasks import TASKS

log = logging.getLogger("milimo")
DOWNLOAD_STOP_TIMEOUT_S = 10.0


class Studio:
    """Implements jobs.services.Services; owns the model library and the executor."""

    def __init__(self, settings: Settings, *, tasks: TaskRegistry | None = None, slots: int | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.db_url)
        self.bus = EventBus(settings.event_buffer)
        self.engines = EngineRegistry(settings)
        self.residency = ModelManager()
        self.executor: Executor = self._executor(tasks, slots)
        self.library = ModelLibrary(self)
        self.segmentation: SamSupervisor | None = None  # the SAM service as a child process, when sam_autostart
        self.started = False

    def _executor(self, tasks: TaskRegistry | None, slots: int | None) -> Executor:
        """MILIMO_EXECUTOR: in-process slots, Ray GPU actors, or `milimo worker` processes (docs/operations.md "Cluster")."""
        kind = self.settings.executor
        if kind == "local":
            return LocalExecutor(TASKS if tasks is None else tasks, self.settings.gpu_slots if slots is None else slots)
        if kind == "ray":
            from milimo.cluster.ray_executor import RayExecutor

            return RayExecutor(self.settings, self.db, self.bus)
        from milimo.cluster.front import ClusterExecutor

        return ClusterExecutor(self.settings, self.db, self.bus)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Seed §5, in order: directories, database, event loop capture, zombies, executor slots. Blocking:
        call it off the event loop. `loop` lets worker threads wake SSE subscribers."""
        self.settings.ensure_dirs()
        upgrade(self.settings.db_url)
        self.db.write(ensure_shot_json)  # the project state's read model follows this code's shot fields
        if loop is not None:
            self.bus.attach_loop(loop)
        if self.settings.executor == "local":
            recover_zombies(self.db, self.settings)
        else:  # other replicas' workers may be running jobs: the lease reaper judges them, not a sweep at start
            remove_unfinished_outputs(self.db, self.settings)
        self.executor.start(self)
        if self.settings.sam_autostart:
            # Seed §3: the segmentation service runs beside the studio; its own start-up (loading SAM 3)
            # must not hold the studio's, and the supervisor restarts it if it dies.
            log_file = self.settings.data_dir / "sam-service.log"
            self.segmentation = SamSupervisor(self.settings.data_dir, self.settings.sam_port, log_file=log_file)
            self.segmentation.start(wait=False)
        self.started = True

    def stop(self) -> None:
        """Seed §8: flag running jobs and give them the grace period, stop downloads resumably (not cut off
        mid-write), let go of the device, close the database. Blocking; safe to call once after start()."""
        if self.started:
            if self.segmentation is not None:
                self.segmentation.stop()
            self.executor.shutdown(self.settings.shutdown_grace_s)
            self.library.stop_downloads(DOWNLOAD_STOP_TIMEOUT_S)
            self.residency.unload_all()
        self.db.close()
        self.started = False
