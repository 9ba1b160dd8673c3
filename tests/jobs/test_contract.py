"""The job contract (jobs/params.py, jobs/contract.py): every type has params and a task, submit writes
only what a slot can read back, and a row this version cannot run fails alone, saying why — the queue
goes on, and the server still starts."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from milimo.db.states import JobType
from milimo.jobs.params import PARAMS, ElementVisualParams, ImageParams
from milimo.jobs.recovery import ZOMBIE_MESSAGE
from milimo.jobs.store import queued_job
from milimo.tasks import TASKS

ENV = {"MILIMO_VIDEO_ENGINE": "draft", "MILIMO_IMAGE_ENGINE": "draft", "MILIMO_TEXT_ENGINE": "draft"}
TERMINAL = {"completed", "failed", "cancelled"}


def insert_job(data: Path, job_id: str, project_id: str, job_type: str, params: object, status: str = "pending") -> None:
    """A job row written by raw SQL, as another version of the studio (or a hand edit) would leave it.
    Created in 2000, so it is the oldest row: the next claim takes it before anything queued later."""
    with sqlite3.connect(data / "milimo.db", timeout=10) as conn:
        conn.execute(
            "INSERT INTO job (id, project_id, type, status, priority, family, progress, status_message,"
            " cancel_requested, params, outputs, created_at)"
            " VALUES (?, ?, ?, ?, 0, '', 0, '', 0, ?, '{}', '2000-01-01 00:00:00.000000')",
            (job_id, project_id, job_type, status, json.dumps(params)),
        )


def wait_terminal(http: httpx.Client, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = http.get(f"/status/{job_id}").json()
        if job["status"] in TERMINAL:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def generate(http: httpx.Client, pid: str, shot_id: str) -> str:
    r = http.post(
        "/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {"id": shot_id, "prompt": "A lighthouse at dusk", "num_frames": 9, "width": 256, "height": 160},
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    from tests.conftest import ServerProcess

    server = ServerProcess(tmp_path_factory.mktemp("contract") / "data", ENV).start()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "Contract"}).json()["id"]
        yield server, http, pid
    server.stop()


def test_every_job_type_has_params_and_a_task():
    assert set(PARAMS) == set(TASKS) == set(JobType)


def test_queued_job_refuses_params_of_another_type():
    image = ImageParams(prompt="a", width=64, height=64, steps=1, guidance=1.0, seed=1)
    with pytest.raises(TypeError, match="a video job takes VideoParams, not ImageParams"):
        queued_job("job_x", "p", JobType.video, image)
    # a subclass is not its parent either: an element's visual needs the element
    with pytest.raises(TypeError, match="element_visual job takes ElementVisualParams"):
        queued_job("job_x", "p", JobType.element_visual, image)
    visual = ElementVisualParams(**image.model_dump(), element_id="el_1")
    assert queued_job("job_x", "p", JobType.element_visual, visual).params["element_id"] == "el_1"


def test_a_row_with_bad_params_fails_at_claim_naming_the_field_and_the_next_job_runs(studio):
    server, http, pid = studio
    insert_job(server.data_dir, "job_badparams", pid, "video", {"prompt": "old", "seed": "forty-two"})
    next_job = generate(http, pid, "after-bad-params")

    bad = wait_terminal(http, "job_badparams")
    assert bad["status"] == "failed" and bad["type"] == "video"
    assert "parameters are not valid" in bad["error"]
    assert "seed:" in bad["error"] and "width: Field required" in bad["error"], bad["error"]
    assert wait_terminal(http, next_job)["status"] == "completed"


def test_a_row_of_unknown_type_fails_at_claim_and_the_next_job_runs(studio):
    server, http, pid = studio
    insert_job(server.data_dir, "job_hologram", pid, "hologram", {"depth": 3})
    next_job = generate(http, pid, "after-unknown-type")

    unknown = wait_terminal(http, "job_hologram")
    assert unknown["status"] == "failed" and unknown["type"] == "hologram", "shown as stored, not a 500"
    assert "no worker knows how to run a 'hologram' job" in unknown["error"]
    assert wait_terminal(http, next_job)["status"] == "completed"
    listed = {j["id"]: j for j in http.get(f"/projects/{pid}/jobs").json()}
    assert listed["job_hologram"]["status"] == "failed"


def test_a_row_of_unknown_status_is_left_alone_and_still_listed(studio):
    server, http, pid = studio
    insert_job(server.data_dir, "job_paused", pid, "video", {}, status="paused")
    next_job = generate(http, pid, "after-unknown-status")
    assert wait_terminal(http, next_job)["status"] == "completed"
    listed = {j["id"]: j for j in http.get(f"/projects/{pid}/jobs").json()}
    assert listed["job_paused"]["status"] == "paused", "a newer version's state is not ours to change"


def test_a_processing_row_of_unknown_type_at_startup_is_failed_and_the_server_starts(server_factory, tmp_path):
    data = tmp_path / "studio"
    server = server_factory(data, env=ENV)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "Zombie of the future"}).json()["id"]
    server.stop()
    insert_job(data, "job_future", pid, "hologram", {}, status="processing")

    server = server_factory(data, env=ENV)  # raises if the server does not come up
    with httpx.Client(base_url=server.url, timeout=30) as http:
        job = http.get("/status/job_future").json()
        assert job["status"] == "failed" and job["error"] == ZOMBIE_MESSAGE
        assert wait_terminal(http, generate(http, pid, "after-restart"))["status"] == "completed"
