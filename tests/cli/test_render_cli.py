"""`milimo render` renders a project's cut headless, with a progress bar, the same job as the API's."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.media import probe
from tests.render.clips import codes, draft_clip
from tests.render.test_cut import upload


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "milimo.cli", "render", *args], capture_output=True, text=True, timeout=120, check=False
    )


def make_project(settings, tmp_path) -> str:
    with TestClient(create_app(settings)) as client:  # closed before the CLI opens the same data dir
        pid = client.post("/projects", json={"name": "Pier", "resolution_w": 256, "resolution_h": 144}).json()["id"]
        take = upload(client, pid, draft_clip(tmp_path / "a.mp4", 30, code0=50), "video/mp4")
        shots = [{"id": "a", "num_frames": 30, "trim_in": 2, "media_asset_id": take["id"]}]
        assert client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": shots}).status_code == 200
    return pid


def test_render_writes_the_master_with_a_progress_bar(settings, tmp_path):
    pid = make_project(settings, tmp_path)
    out = tmp_path / "out" / "film.mp4"
    r = run_cli(pid, "--data-dir", str(settings.data_dir), "-o", str(out), "--in", "4", "--mute", "A1")
    assert r.returncode == 0, r.stderr
    assert "100.0%" in r.stderr and "24 frames" in r.stdout
    assert probe(out).num_frames == 24
    assert codes(out) == list(range(56, 80))
    assert len(list((settings.project_dir(pid) / "renders").iterdir())) == 1  # the job's own copy


def test_render_reports_bad_input(settings, tmp_path):
    pid = make_project(settings, tmp_path)
    r = run_cli(pid, "--data-dir", str(settings.data_dir), "--in", "20", "--out", "99")
    assert r.returncode == 2 and "outside the cut" in r.stderr
    r = run_cli("no-such-project", "--data-dir", str(settings.data_dir))
    assert r.returncode == 2 and "does not exist" in r.stderr
