"""Seed §8 over a real process: a polite stop (SIGTERM to `milimo serve`) during a job cancels it within
the grace period, leaves no partial file, and gives the shot back."""

from __future__ import annotations

import signal
import sqlite3
import time

import httpx

from tests.sse import SSEClient

ENV = {"MILIMO_VIDEO_ENGINE": "draft", "MILIMO_IMAGE_ENGINE": "draft", "MILIMO_TEXT_ENGINE": "draft"}
GRACE_S = 3.0
# From SIGTERM to exit: the grace period, then downloads, models and the database, and the interpreter's own exit.
EXIT_SLACK_S = 5.0


def test_sigterm_mid_job_cancels_it_within_the_grace_period_and_releases_the_shot(server_factory, tmp_path):
    data = tmp_path / "studio"
    server = server_factory(data, env={**ENV, "MILIMO_SHUTDOWN_GRACE_S": str(GRACE_S)})
    with httpx.Client(base_url=server.url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "Polite stop"}).json()["id"]
        sse = SSEClient(server.url)
        job_id = http.post(
            "/generate/advanced",
            json={
                "project_id": pid,
                "shot_config": {"id": "long-take", "prompt": "A long take", "num_frames": 505, "enhance_prompt": False},
            },
        ).json()["job_id"]
        sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "progress" and e.data["progress"] >= 20)
        sse.close()  # an open stream would hold uvicorn's graceful shutdown
    project_dir = data / "projects" / pid
    assert any(job_id in p.name for p in (project_dir / "generated").iterdir()), "the job is writing its output"

    assert server.proc is not None
    stopped = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(GRACE_S + EXIT_SLACK_S)
    took = time.monotonic() - stopped
    # uvicorn re-raises the signal it caught once its graceful shutdown (our lifespan's Studio.stop()) is done
    assert server.proc.returncode in (0, -signal.SIGTERM)
    assert took < GRACE_S + EXIT_SLACK_S

    with sqlite3.connect(data / "milimo.db") as conn:
        status, message, finished = conn.execute(
            "SELECT status, status_message, finished_at FROM job WHERE id = ?", (job_id,)
        ).fetchone()
        shot_status, video_url = conn.execute("SELECT status, video_url FROM shot WHERE id = 'long-take'").fetchone()
    assert (status, message) == ("cancelled", "Cancelled") and finished is not None, "ended by the stop, not left for recovery"
    assert (shot_status, video_url) == ("pending", None), "the shot is free to generate again"
    for folder in ("generated", "thumbnails"):
        assert not [p.name for p in (project_dir / folder).glob("*") if job_id in p.name], f"partial files in {folder}"
    assert not (project_dir / "workspace" / job_id).exists()
