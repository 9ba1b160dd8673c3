"""The Ray actor of one GPU: a WorkerNode in its own process, with the GPU Ray gave it.

Ray schedules it (`num_gpus=1`) and restarts it if its process dies; the job it was running is
failed by the lease reaper (jobs/leases.py), never left `processing`. It claims jobs from
PostgreSQL like any worker: no second queue.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from milimo.cluster.node import WorkerNode
from milimo.config import Settings


class GpuWorker:
    def __init__(self, settings: dict[str, Any], name: str) -> None:
        import ray

        logging.basicConfig(
            level=str(settings.get("log_level", "info")).upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        gpu_ids = ray.get_gpu_ids()
        self.node = WorkerNode(Settings(**settings), name, kind="ray-actor", slots=1, gpu_ids=gpu_ids)
        self.node.start()

    def describe(self) -> dict[str, Any]:
        return self.node.describe()

    def pid(self) -> int:
        return os.getpid()

    def stop(self) -> None:
        self.node.stop()
