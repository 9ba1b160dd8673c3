"""Startup removes outputs of jobs that did not complete when no asset references them (a kill between
an output's rename and the job's finish left complete, unreachable MP4s)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.db.models import Job


def test_unfinished_jobs_outputs_go_and_finished_ones_stay(settings):
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "Leftovers"}).json()["id"]
        done = client.post("/generate/image", json={"project_id": pid, "prompt": "a lamp", "width": 256, "height": 256}).json()[
            "job_id"
        ]
        deadline = time.monotonic() + 60
        while client.get(f"/status/{done}").json()["status"] != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        db = client.app.state.studio.db

        def rows(session):
            session.add(Job(id="job_killed", project_id=pid, type="video", status="processing"))
            session.add(Job(id="job_cancelled", project_id=pid, type="video", status="cancelled"))

        db.write(rows)
    root = settings.project_dir(pid)
    leftovers = [
        root / "generated" / "job_killed.mp4",
        root / "thumbnails" / "job_killed_thumb.jpg",
        root / "generated" / "job_cancelled.mp4",
    ]
    for path in leftovers:
        path.write_bytes(b"complete but unreachable")
    kept = sorted(p.name for p in (root / "generated").iterdir() if done in p.name)
    assert kept, "the finished job's output exists"

    with TestClient(create_app(settings)) as client:
        assert client.get("/status/job_killed").json()["status"] == "failed"
        assert not [p for p in leftovers if p.exists()]
        assert sorted(p.name for p in (root / "generated").iterdir() if done in p.name) == kept
        for asset in client.get(f"/projects/{pid}/assets").json():
            assert client.head(asset["url"]).status_code == 200
