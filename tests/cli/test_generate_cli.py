"""`milimo generate` runs the generation job headless, with the same engines and media layer."""

from __future__ import annotations

import subprocess
import sys

from PIL import Image

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
