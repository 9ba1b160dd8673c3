"""The Ray executor: one actor per GPU of a Ray cluster, each a worker that claims from PostgreSQL.

Actors are named (`milimo-gpu-N` in the `milimo` namespace) and detached, so every replica that
starts finds the same actors instead of starting more, and a replica going away leaves them and
their jobs running. With MILIMO_RAY_ADDRESS=local this process starts a one-node cluster and
ends it (with its actors) at shutdown.
"""

from __future__ import annotations

import logging
from typing import Any

from milimo.cluster.actor import GpuWorker
from milimo.cluster.front import ClusterExecutor
from milimo.config import Settings
from milimo.db.database import Database
from milimo.jobs.events import EventBus
from milimo.jobs.services import Services

log = logging.getLogger(__name__)
NAMESPACE = "milimo"


def actor_settings(settings: Settings) -> dict[str, Any]:
    """What an actor is configured with: this replica's settings (the token stays here: actors serve no HTTP)."""
    data = settings.model_dump(mode="json", exclude={"auth_token", "host", "port"})
    data["executor"] = "local"
    data["gpu_slots"] = 1
    return data


class RayExecutor(ClusterExecutor):
    kind = "ray"

    def __init__(self, settings: Settings, db: Database, bus: EventBus) -> None:
        super().__init__(settings, db, bus)
        self.actors: list[Any] = []
        self._own_cluster = False

    def start(self, services: Services) -> None:
        super().start(services)
        import ray

        address = self.settings.ray_address
        self._own_cluster = address == "local"
        ray.init(
            address=None if self._own_cluster else address,
            namespace=NAMESPACE,
            include_dashboard=False,
            ignore_reinit_error=True,
            log_to_driver=False,
            configure_logging=False,
        )
        gpus = int(ray.cluster_resources().get("GPU", 0))
        count = self.settings.ray_workers or gpus
        if count == 0:
            raise RuntimeError(
                f"the Ray cluster at {address!r} has no GPUs; start its nodes with `ray start --num-gpus=N` "
                "or set MILIMO_RAY_WORKERS"
            )
        remote = ray.remote(GpuWorker)
        config = actor_settings(self.settings)
        for i in range(count):
            self.actors.append(
                remote.options(
                    name=f"milimo-gpu-{i}",
                    get_if_exists=True,
                    lifetime="detached",
                    num_gpus=1,
                    num_cpus=0,
                    max_restarts=-1,
                    max_task_retries=0,
                ).remote(config, f"gpu-{i}")
            )
        log.info("Ray executor: %d GPU actor(s) on %s (cluster GPUs: %d)", count, address, gpus)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "ray_address": self.settings.ray_address, "actors": len(self.actors)}

    def shutdown(self, grace_s: float) -> None:
        import ray

        if self._own_cluster:
            for actor in self.actors:
                try:
                    ray.get(actor.stop.remote(), timeout=grace_s + 5)
                except Exception as exc:
                    log.warning("a GPU actor did not stop cleanly: %s", exc)
                ray.kill(actor)
        super().shutdown(grace_s)
        if ray.is_initialized():
            ray.shutdown()
