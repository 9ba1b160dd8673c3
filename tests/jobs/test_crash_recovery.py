"""A server killed mid-job and restarted: the job is failed, and no URL points at a missing or half file."""

from __future__ import annotations

import httpx

from tests.sse import SSEClient
from tests.state import state_shots


def test_server_killed_mid_job_fails_the_job_on_restart(server_factory, tmp_path):
    data = tmp_path / "studio"
    server = server_factory(data)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "Crash"}).json()["id"]
        sse = SSEClient(server.url)
        job_id = http.post(
            "/generate/advanced",
            json={
                "project_id": pid,
                "shot_config": {
                    "id": "doomed",
                    "prompt": "A long take",
                    "num_frames": 505,
                    "width": 768,
                    "height": 512,
                    "enhance_prompt": False,
                },
            },
        ).json()["job_id"]
        sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "progress" and e.data["progress"] >= 20)
        sse.close()
    server.kill()
    project_dir = data / "projects" / pid
    assert any(p.name.startswith(f".{job_id}") for p in (project_dir / "generated").iterdir()), "a half-written file exists"

    server = server_factory(data)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        job = http.get(f"/status/{job_id}").json()
        assert job["status"] == "failed" and "restarted" in job["error"] and job["video_url"] is None
        shot = state_shots(http.get(f"/projects/{pid}").json())[0]
        assert shot["status"] == "failed" and shot.get("video_url") is None
        assert not [p for p in (project_dir / "generated").iterdir() if job_id in p.name]
        for asset in http.get(f"/projects/{pid}/assets").json():
            assert http.head(asset["url"]).status_code == 200
