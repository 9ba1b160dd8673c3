"""`milimo generate` runs the generation job headless, with the same engines and media layer."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from PIL import Image

from milimo.jobs.recovery import ZOMBIE_MESSAGE
from milimo.media import probe


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "milimo.cli", "generate", *args], capture_output=True, text=True, timeout=120)


def test_generate_image_to_video_writes_the_mp4(tmp_path):
    image = tmp_path / "first.png"
    Image.new("RGB", (320, 200), (40, 90, 160)).save(image)
    out = tmp_path / "out" / "shot.mp4"
    r = run_cli(
        "A tide pool at dawn", "--frames", "30", "--width", "256", "--height", "160", "--image", str(image), "-o", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert "adjusted num_frames: 30 -> 33" in r.stderr and "100.0%" in r.stderr
    info = probe(out)
    assert (info.num_frames, info.width, info.height) == (33, 256, 160)
    assert "engine draft" in r.stdout


def test_generate_reports_bad_input(tmp_path):
    r = run_cli("x", "--frames", "0", "-o", str(tmp_path / "x.mp4"))
    assert r.returncode == 2 and "frames" in r.stderr.lower()


def test_generate_recovers_a_zombie_job_of_an_earlier_run_at_start(tmp_path):
    """`milimo generate` starts the studio as `milimo serve` does (seed §5): a job an earlier run left
    `processing` is failed, and its half-written output and scratch folder are removed."""
    data = tmp_path / "studio"
    small = ("--frames", "9", "--width", "128", "--height", "96", "--data-dir", str(data))
    first = run_cli("A harbour at night", *small, "-o", str(tmp_path / "a.mp4"))
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(data / "milimo.db") as conn:
        pid = conn.execute("SELECT id FROM project").fetchone()[0]
        conn.execute(
            "INSERT INTO job (id, project_id, type, status, priority, family, progress, status_message, cancel_requested,"
            " params, outputs, created_at, started_at) VALUES ('job_zombie', ?, 'video', 'processing', 0, '', 40, 'Denoising',"
            " 0, '{}', '{}', '2000-01-01 00:00:00.000000', '2000-01-01 00:00:01.000000')",
            (pid,),
        )
    project_dir = data / "projects" / pid
    half = project_dir / "generated" / ".job_zombie.mp4.part"
    half.write_bytes(b"half a video")
    (project_dir / "workspace" / "job_zombie").mkdir(parents=True)

    second = run_cli("A harbour at dawn", *small, "-o", str(tmp_path / "b.mp4"))
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(data / "milimo.db") as conn:
        status, error = conn.execute("SELECT status, error FROM job WHERE id = 'job_zombie'").fetchone()
    assert (status, error) == ("failed", ZOMBIE_MESSAGE)
    assert not half.exists() and not (project_dir / "workspace" / "job_zombie").exists()
