"""Two `milimo serve` replicas sharing PostgreSQL, jobs run by Ray GPU actors (2 logical GPUs).

Real everything: PostgreSQL, Ray, HTTP, SSE, the hardware stand-in video engine (it sleeps per step
where a GPU would compute, then renders and encodes the draft's frames on the CPU).
"""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from milimo.jobs.leases import WORKER_LOST
from tests.conftest import ServerProcess
from tests.sse import SSEClient

pytestmark = pytest.mark.timeout(240)
STEP_S = 0.1
SHOT = {
    "prompt": "a lighthouse keeper climbs the stairs",
    "enhance_prompt": False,
    "cfg_scale": 1.0,
    "width": 128,
    "height": 96,
    "num_frames": 9,
    "fps": 24,
}


@pytest.fixture(scope="module")
def replicas(cluster_db, ray_cluster, tmp_path_factory):
    data = tmp_path_factory.mktemp("shared") / "data"  # the storage every node shares
    env = {
        "MILIMO_EXECUTOR": "ray",
        "MILIMO_RAY_ADDRESS": ray_cluster,
        "MILIMO_DATABASE_URL": cluster_db,
        "MILIMO_VIDEO_ENGINE": "standin",
        "MILIMO_STANDIN_STEP_S": str(STEP_S),
        "MILIMO_STANDIN_LOAD_S": "0.2",
        "MILIMO_AFFINITY_WAIT_S": "0.3",
    }
    a = ServerProcess(data, env).start(timeout=120)
    b = ServerProcess(data, env).start(timeout=120)
    try:
        with httpx.Client(base_url=b.url, timeout=10) as http:
            deadline = time.monotonic() + 120
            while len(http.get("/health").json()["workers"]) < 2:
                assert time.monotonic() < deadline, "the GPU actors did not report in"
                time.sleep(0.5)
        yield a, b
    finally:
        b.stop()
        a.stop()


def _project(http: httpx.Client) -> str:
    r = http.post("/projects", json={"name": "Cluster"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _generate(http: httpx.Client, pid: str, sid: str, steps: int = 5) -> str:
    r = http.post(
        "/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, "id": sid, "num_inference_steps": steps}}
    )
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


def _end(sse: SSEClient, job_id: str, timeout: float = 90):
    return sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error", "cancelled"), timeout)


def _workers(http: httpx.Client) -> list[dict]:
    return http.get("/health").json()["workers"]


def _early(sse: SSEClient, job_id: str) -> bool:
    """The job is in its first half of 20 steps, and has not ended."""
    seen = sse.for_job(job_id)
    steps = [e for e in seen if e.data.get("message", "").startswith("Generating (")]
    return bool(steps) and int(steps[-1].data["message"][12:].split("/")[0]) <= 10 and seen[-1].type == "progress"


def test_health_and_engines_report_the_actors(replicas):
    _, b = replicas
    with httpx.Client(base_url=b.url, timeout=10) as http:
        health = http.get("/health").json()
        assert health["executor"] == "ray" and health["database"] == "postgresql"
        assert sorted(w["name"] for w in health["workers"]) == ["gpu-0", "gpu-1"]
        assert all(w["kind"] == "ray-actor" and len(w["gpu_ids"]) == 1 for w in health["workers"])
        assert {w["gpu_ids"][0] for w in health["workers"]} == {"0", "1"}  # one logical GPU each
        engines = http.get("/engines").json()
        assert engines["executor"] == "ray" and len(engines["workers"]) == 2


def test_affinity_keeps_jobs_on_the_actor_that_holds_the_family(replicas):
    a, b = replicas
    with httpx.Client(base_url=a.url, timeout=10) as http, httpx.Client(base_url=b.url, timeout=10) as http_b:
        sse = SSEClient(b.url)
        try:
            pid = _project(http)
            for i in range(3):  # one after another: each time both actors are idle and could take it
                job = _generate(http, pid, f"aff-{i}", steps=2)
                assert _end(sse, job).type == "complete"
        finally:
            sse.close()
        time.sleep(1.5)  # a fresh heartbeat
        loads = sorted((w["loads"].get("standin", 0) for w in _workers(http_b)), reverse=True)
        assert loads == [1, 0], loads  # one load, on one actor; the idle actor never took its family's jobs


def test_six_jobs_via_a_complete_and_b_streams_every_event_in_order(replicas):
    a, b = replicas
    sse_a, sse_b = SSEClient(a.url), SSEClient(b.url)
    try:
        with httpx.Client(base_url=a.url, timeout=10) as http:
            pid = _project(http)
            jobs = [_generate(http, pid, f"six-{i}") for i in range(6)]
        for job in jobs:
            assert _end(sse_b, job).type == "complete"
            _end(sse_a, job)
        with httpx.Client(base_url=b.url, timeout=10) as http_b:
            for job in jobs:
                assert http_b.get(f"/status/{job}").json()["status"] == "completed"
        for job in jobs:
            seen = sse_b.for_job(job)
            assert [e.type for e in seen][-1] == "complete" and all(e.type == "progress" for e in seen[:-1])
            ids = [e.id for e in seen]
            assert ids == sorted(ids)
            values = [e.data["progress"] for e in seen[:-1]]
            assert values == sorted(values)  # in order: progress never goes backwards
            steps = [e.data["message"] for e in seen if e.data.get("message", "").startswith("Generating")]
            assert steps == [f"Generating ({k}/5)" for k in range(1, 6)]  # every step
            # The replica that submitted and the other one saw the same stream.
            assert [(e.type, e.data.get("message")) for e in sse_a.for_job(job)] == [
                (e.type, e.data.get("message")) for e in seen
            ]
    finally:
        sse_a.close()
        sse_b.close()


def test_cancel_through_b_stops_the_job_on_its_actor_within_one_step(replicas):
    a, b = replicas
    sse = SSEClient(b.url)
    try:
        with httpx.Client(base_url=a.url, timeout=10) as http, httpx.Client(base_url=b.url, timeout=10) as http_b:
            job = _generate(http, _project(http), "cancel-me", steps=60)
            sse.wait_for(lambda e: e.data.get("job_id") == job and e.data.get("message") == "Generating (3/60)", 60)
            r = http_b.post(f"/jobs/{job}/cancel")
            assert r.status_code == 200 and r.json()["status"] == "cancelling"
            at_cancel = max(
                int(e.data["message"].split("(")[1].split("/")[0])
                for e in sse.for_job(job)
                if e.data.get("message", "").startswith("Generating")
            )
            assert _end(sse, job, 30).type == "cancelled"
            last = max(
                int(e.data["message"].split("(")[1].split("/")[0])
                for e in sse.for_job(job)
                if e.data.get("message", "").startswith("Generating")
            )
            assert last - at_cancel <= 1, (at_cancel, last)
            assert http_b.get(f"/status/{job}").json()["status"] == "cancelled"
    finally:
        sse.close()


def test_sigkill_of_an_actor_fails_its_job_with_a_message_and_the_others_finish(replicas):
    a, b = replicas
    sse = SSEClient(b.url)
    try:
        with httpx.Client(base_url=a.url, timeout=10) as http, httpx.Client(base_url=b.url, timeout=10) as http_b:
            pid = _project(http)
            jobs = [_generate(http, pid, f"kill-{i}", steps=20) for i in range(3)]
            deadline = time.monotonic() + 60
            victim, killed_job = None, None
            while victim is None:  # an actor whose heartbeat shows one of these jobs, early in its steps
                assert time.monotonic() < deadline, "no actor picked up a job"
                for w in _workers(http_b):
                    running = [j for j in w["active"] if j in jobs and _early(sse, j)]
                    if running:
                        victim, killed_job = w, running[0]
                        break
                time.sleep(0.1)
            os.kill(victim["pid"], signal.SIGKILL)
            ends = {job: _end(sse, job, 120) for job in jobs}
            assert ends[killed_job].type == "error" and ends[killed_job].data["message"] == WORKER_LOST
            assert all(ends[j].type == "complete" for j in jobs if j != killed_job), {j: e.type for j, e in ends.items()}
            row = http_b.get(f"/status/{killed_job}").json()
            assert row["status"] == "failed" and row["error"] == WORKER_LOST
    finally:
        sse.close()
