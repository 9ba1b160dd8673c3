"""The cluster: jobs per minute at 1, 2 and 4 logical GPUs on Ray, the per-job overhead of the Ray
path against the in-process executor, and event delivery from a worker to an SSE client on another
replica.

Real PostgreSQL, a real local Ray cluster (2 CPUs, N logical GPUs), two `milimo serve` replicas;
jobs are shots of the hardware stand-in engine (STEPS x STEP_S of sleep where a GPU computes, then
the draft's frames rendered and encoded on the CPU). Anchor in the same run: the in-process
executor (SQLite, one slot) on the same jobs. Targets (issue 17): >= 1.9x jobs/min at 2 GPUs and
>= 3.6x at 4 (vs 1), overhead <= 100 ms/job, worker -> other-replica SSE delivery p99 <= 100 ms.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ helpers: the real server process and SSE client

from bench._common import percentile, record
from bench._postgres import postgres
from tests.conftest import ServerProcess
from tests.sse import SSEClient

STEPS, STEP_S, JOBS_PER_GPU = 10, 0.1, 6
SHOT = {
    "prompt": "a lighthouse keeper climbs the stairs",
    "enhance_prompt": False,
    "cfg_scale": 1.0,
    "width": 128,
    "height": 96,
    "num_frames": 9,
    "fps": 24,
    "num_inference_steps": STEPS,
}
ENGINE = {"MILIMO_VIDEO_ENGINE": "standin", "MILIMO_STANDIN_STEP_S": str(STEP_S), "MILIMO_STANDIN_LOAD_S": "0.5"}


def run_batch(submit_url: str, watch: SSEClient, count: int, tag: str) -> tuple[float, list[float]]:
    """Submit `count` shots; seconds until the last completed (seen on `watch`), and delivery latencies."""
    with httpx.Client(base_url=submit_url, timeout=30) as http:
        pid = http.post("/projects", json={"name": tag}).json()["id"]
        t0 = time.time()
        jobs = [
            http.post("/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, "id": f"{tag}-{i}"}}).json()[
                "job_id"
            ]
            for i in range(count)
        ]
    for job in jobs:
        end = watch.wait_for(lambda e, j=job: e.data.get("job_id") == j and e.type in ("complete", "error", "cancelled"), 300)
        assert end.type == "complete", end.data
    elapsed = max(e.data["ts"] for e in watch.events if e.type == "complete" and e.data.get("job_id") in jobs) - t0
    latencies = [e.received - e.data["ts"] for e in watch.events if e.data.get("job_id") in jobs and hasattr(e, "received")]
    return elapsed, latencies


class TimedSSE(SSEClient):
    """Stamps each event with when this client parsed it (the worker stamped `ts` when it published)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._queue = _Stamping(self._queue)


class _Stamping:
    def __init__(self, inner) -> None:
        self.inner = inner

    def put(self, ev) -> None:
        ev.received = time.time()
        self.inner.put(ev)

    def get(self, timeout=None):
        return self.inner.get(timeout=timeout)


def local_anchor(root: Path) -> float:
    server = ServerProcess(root / "local", {**ENGINE, "MILIMO_GPU_SLOTS": "1"}).start(60)
    try:
        sse = TimedSSE(server.url)
        run_batch(server.url, sse, 1, "warm")
        elapsed, _ = run_batch(server.url, sse, JOBS_PER_GPU, "local")
        sse.close()
        return elapsed
    finally:
        server.stop()


def ray_run(root: Path, db_url: str, address: str, gpus: int) -> tuple[float, list[float]]:
    env = {
        **ENGINE,
        "MILIMO_EXECUTOR": "ray",
        "MILIMO_RAY_ADDRESS": address,
        "MILIMO_DATABASE_URL": db_url,
        "MILIMO_RAY_WORKERS": str(gpus),
    }
    a = ServerProcess(root / "shared", env).start(120)
    b = ServerProcess(root / "shared", env).start(120)
    try:
        with httpx.Client(base_url=b.url, timeout=10) as http:
            while len(http.get("/health").json()["workers"]) < gpus:
                time.sleep(0.5)
        sse = TimedSSE(b.url)
        run_batch(a.url, sse, gpus, f"warm{gpus}")  # each actor loads the family once
        elapsed, latencies = run_batch(a.url, sse, JOBS_PER_GPU * gpus, f"ray{gpus}")
        sse.close()
        return elapsed, latencies
    finally:
        b.stop()
        a.stop()


def main() -> None:
    import ray

    root = Path(tempfile.mkdtemp(prefix="milimo-bench-cluster-"))
    local_s = local_anchor(root)
    results: dict[int, float] = {}
    latencies: list[float] = []
    with postgres() as db_url:
        ray.init(num_cpus=2, num_gpus=4, include_dashboard=False, namespace="milimo", log_to_driver=False)
        try:
            address = ray.get_runtime_context().gcs_address
            for gpus in (1, 2, 4):
                elapsed, lat = ray_run(root, db_url, address, gpus)
                results[gpus] = JOBS_PER_GPU * gpus / elapsed * 60
                latencies += lat
                print(f"{gpus} GPU(s): {JOBS_PER_GPU * gpus} jobs in {elapsed:.2f} s = {results[gpus]:.1f} jobs/min", flush=True)
        finally:
            ray.shutdown()
    ideal_s = STEPS * STEP_S
    ray1_per_job = 60 / results[1]
    local_per_job = local_s / JOBS_PER_GPU
    record(
        "cluster",
        {
            "steps": STEPS,
            "step_s": STEP_S,
            "jobs_per_gpu": JOBS_PER_GPU,
            "local_jobs_per_min": round(JOBS_PER_GPU / local_s * 60, 1),
            "ray_jobs_per_min": {str(g): round(v, 1) for g, v in results.items()},
            "speedup_2": round(results[2] / results[1], 2),
            "speedup_4": round(results[4] / results[1], 2),
            "local_per_job_s": round(local_per_job, 3),
            "ray_per_job_s": round(ray1_per_job, 3),
            "gpu_time_per_job_s": ideal_s,
            "ray_overhead_vs_local_ms": round((ray1_per_job - local_per_job) * 1000, 1),
            "sse_other_replica_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "sse_other_replica_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "events": len(latencies),
            "targets": {"speedup_2": 1.9, "speedup_4": 3.6, "overhead_ms": 100, "p99_ms": 100},
        },
    )


if __name__ == "__main__":
    main()
