"""`milimo worker` without Ray: a replica with MILIMO_EXECUTOR=external, a worker process claiming from
PostgreSQL; then the worker is SIGKILLed mid-job and the replica's reaper fails that job."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from milimo.jobs.leases import WORKER_LOST
from tests.conftest import ServerProcess
from tests.sse import SSEClient

pytestmark = pytest.mark.timeout(180)
SHOT = {"prompt": "rain on a tin roof", "enhance_prompt": False, "cfg_scale": 1.0, "width": 128, "height": 96, "num_frames": 9}


def test_a_worker_process_runs_jobs_and_its_death_fails_its_job(cluster_db, tmp_path):
    env = {
        **os.environ,
        "MILIMO_DATABASE_URL": cluster_db,
        "MILIMO_VIDEO_ENGINE": "standin",
        "MILIMO_STANDIN_STEP_S": "0.1",
        "MILIMO_STANDIN_LOAD_S": "0.1",
        "MILIMO_LOG_LEVEL": "warning",
    }
    data = tmp_path / "data"
    replica = ServerProcess(data, {**env, "MILIMO_EXECUTOR": "external"}).start(60)
    worker = subprocess.Popen(
        [sys.executable, "-m", "milimo.cli", "worker", "--data-dir", str(data), "--name", "render-1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sse = SSEClient(replica.url)
    try:
        with httpx.Client(base_url=replica.url, timeout=10) as http:
            deadline = time.monotonic() + 60
            while not http.get("/health").json()["workers"]:
                assert time.monotonic() < deadline and worker.poll() is None, "the worker did not report in"
                time.sleep(0.3)
            assert http.get("/health").json()["workers"][0]["name"] == "render-1"
            pid = http.post("/projects", json={"name": "Workers"}).json()["id"]
            done = http.post(
                "/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, "id": "w-1", "num_inference_steps": 3}}
            ).json()
            end = sse.wait_for(lambda e: e.data.get("job_id") == done["job_id"] and e.type in ("complete", "error"), 60)
            assert end.type == "complete" and http.get(f"/status/{done['job_id']}").json()["status"] == "completed"

            doomed = http.post(
                "/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, "id": "w-2", "num_inference_steps": 200}}
            ).json()
            sse.wait_for(lambda e: e.data.get("job_id") == doomed["job_id"] and e.data.get("message") == "Generating (2/200)", 60)
            worker.kill()
            end = sse.wait_for(
                lambda e: e.data.get("job_id") == doomed["job_id"] and e.type in ("complete", "error", "cancelled"), 30
            )
            assert end.type == "error" and end.data["message"] == WORKER_LOST
            row = http.get(f"/status/{doomed['job_id']}").json()
            assert row["status"] == "failed" and row["error"] == WORKER_LOST
    finally:
        sse.close()
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)
        replica.stop()
