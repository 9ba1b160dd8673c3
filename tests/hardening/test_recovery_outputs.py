"""Startup removes outputs of jobs that did not complete when no asset references them (a kill between
an output's rename and the job's finish left complete, unreachable MP4s)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.db.models import Asset, Job


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
            session.add(Job(id="job_render_killed", project_id=pid, type="render", status="processing"))
            session.add(Job(id="job_matte_failed", project_id=pid, type="matte", status="failed"))
            # A failed job that did register an asset keeps its files: the asset's meta names the sidecar.
            session.add(Job(id="job_partial", project_id=pid, type="video", status="failed"))
            session.add(
                Asset(
                    id="partial_take",
                    project_id=pid,
                    kind="generated",
                    media_type="video",
                    rel_path="generated/job_partial.mp4",
                    url=f"/projects/{pid}/generated/job_partial.mp4",
                    job_id="job_partial",
                    meta={"dfr_state": "generated/job_partial.dfr.safetensors"},
                )
            )

        db.write(rows)
    root = settings.project_dir(pid)
    leftovers = [
        root / "generated" / "job_killed.mp4",
        root / "thumbnails" / "job_killed_thumb.jpg",
        root / "generated" / "job_cancelled.mp4",
        root / "generated" / "job_cancelled.dfr.safetensors",
        root / "renders" / "job_render_killed.mov",
        root / "thumbnails" / "job_render_killed_thumb.jpg",
        root / "generated" / "job_matte_failed_matte.mp4",
        root / "thumbnails" / "job_matte_failed_thumb.jpg",
    ]
    # A file whose name only begins like a failed job's id belongs to another job and stays.
    other = root / "generated" / "job_cancelledx.mp4"
    other.write_bytes(b"not the cancelled job's")
    partial = [root / "generated" / "job_partial.mp4", root / "generated" / "job_partial.dfr.safetensors"]
    for path in partial:
        path.write_bytes(b"named by an asset")
    for path in leftovers:
        path.write_bytes(b"complete but unreachable")
    kept = sorted(p.name for p in (root / "generated").iterdir() if done in p.name)
    assert kept, "the finished job's output exists"

    with TestClient(create_app(settings)) as client:
        assert client.get("/status/job_killed").json()["status"] == "failed"
        assert not [p for p in leftovers if p.exists()]
        assert other.exists()
        assert all(p.exists() for p in partial)
        assert sorted(p.name for p in (root / "generated").iterdir() if done in p.name) == kept
        for asset in client.get(f"/projects/{pid}/assets").json():
            if asset["id"] == "partial_take":
                continue  # its bytes are a stand-in, not media
            assert client.head(asset["url"]).status_code == 200
