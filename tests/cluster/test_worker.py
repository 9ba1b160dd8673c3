"""`milimo worker` without Ray: a replica with MILIMO_EXECUTOR=external, a worker process claiming from
PostgreSQL; then the worker is SIGKILLed mid-job and the replica's reaper fails that job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from milimo.jobs.leases import WORKER_LOST
from tests.conftest import ServerProcess
from tests.sse import SSEClient

pytestmark = pytest.mark.timeout(180)


@contextmanager
def replica_and_worker(env: dict, data: Path, name: str):
    """A replica with MILIMO_EXECUTOR=external and one `milimo worker` process, once the worker reported in."""
    replica = ServerProcess(data, {**env, "MILIMO_EXECUTOR": "external"}).start(60)
    worker = subprocess.Popen(
        [sys.executable, "-m", "milimo.cli", "worker", "--data-dir", str(data), "--name", name],
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
            yield worker, sse, http
    finally:
        sse.close()
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)
        replica.stop()


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
    with replica_and_worker(env, data, "render-1") as (worker, sse, http):
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


def test_a_still_first_video_ends_with_its_still_when_the_worker_dies_and_leftovers_go(cluster_db, tmp_path):
    env = {
        **os.environ,
        "MILIMO_DATABASE_URL": cluster_db,
        "MILIMO_VIDEO_ENGINE": "standin",
        "MILIMO_IMAGE_ENGINE": "standin",  # the still takes a GPU's time: 4 steps of 2 s
        "MILIMO_STANDIN_STEP_S": "2.0",
        "MILIMO_STANDIN_LOAD_S": "0.1",
        "MILIMO_LOG_LEVEL": "warning",
    }
    data = tmp_path / "data"
    with replica_and_worker(env, data, "stills-1") as (worker, sse, http):
        pid = http.post("/projects", json={"name": "Still first"}).json()["id"]
        r = http.post("/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, "id": "sf-1", "still_first": True}})
        assert r.status_code == 200, r.text
        video_id, still_id = r.json()["job_id"], r.json()["still_job_id"]
        assert still_id and still_id != video_id
        sse.wait_for(
            lambda e: e.data.get("job_id") == still_id and str(e.data.get("message", "")).startswith("Generating image"), 60
        )
        # What a worker killed mid-write leaves on the shared storage: its scratch folder, a half-written output.
        project = data / "projects" / pid
        (project / "workspace" / still_id).mkdir(parents=True, exist_ok=True)
        (project / "workspace" / still_id / "frame_0000.png").write_bytes(b"half")
        (project / "generated").mkdir(exist_ok=True)
        part = project / "generated" / f".{still_id}.jpg.part"
        part.write_bytes(b"half")
        assert http.get(f"/status/{video_id}").json()["status"] == "pending"  # waiting for its still
        worker.kill()

        still_end = sse.wait_for(lambda e: e.data.get("job_id") == still_id and e.type in ("complete", "error"), 30)
        assert still_end.type == "error" and still_end.data["message"] == WORKER_LOST
        video_end = sse.wait_for(lambda e: e.data.get("job_id") == video_id and e.type in ("complete", "error"), 10)
        assert video_end.type == "error" and video_end.data["message"] == f"The still it waited for failed: {WORKER_LOST}"
        video = http.get(f"/status/{video_id}").json()
        assert video["status"] == "failed" and WORKER_LOST in video["error"]
        shot = next(s for s in http.get(f"/projects/{pid}").json()["shots"] if s["id"] == "sf-1")
        assert shot["status"] not in ("generating", "pending_generation")
        assert not (project / "workspace" / still_id).exists() and not part.exists()


class _Ollama(BaseHTTPRequestHandler):
    """An Ollama server whose list of pulled models the test changes (`listed`)."""

    listed: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"models": [{"name": n, "size": 1, "details": {"family": "llama"}} for n in self.listed]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_library_change_on_a_replica_reaches_its_workers(cluster_db, tmp_path):
    """The worker reads the same library; when the replica's changes, the worker selects again for
    its next job instead of keeping the choice it made at start (until a restart)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ollama)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "MILIMO_DATABASE_URL": cluster_db,
        "MILIMO_VIDEO_ENGINE": "draft",
        "MILIMO_TEXT_ENGINE": "auto",
        "MILIMO_OLLAMA_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "MILIMO_OLLAMA_MODEL": "gemma3",
        "MILIMO_LOG_LEVEL": "warning",
    }
    try:
        with replica_and_worker(env, tmp_path / "data", "text-1") as (_worker, sse, http):
            assert http.get("/engines").json()["engines"]["text"]["engine"] == "draft"
            assert http.get("/health").json()["workers"][0]["engines"]["text"] == "draft"
            _Ollama.listed = ["gemma3:latest"]  # the model is pulled: the library has changed
            assert http.post("/engines/refresh").status_code == 200
            assert http.get("/engines").json()["engines"]["text"]["engine"] == "ollama"
            sse.wait_for(lambda e: e.type == "engines_changed", 10)  # browsers hear it too
            deadline = time.monotonic() + 10
            while http.get("/health").json()["workers"][0]["engines"]["text"] != "ollama":
                assert time.monotonic() < deadline, "the worker kept the engine it chose at start"
                time.sleep(0.2)
    finally:
        server.shutdown()
        server.server_close()
