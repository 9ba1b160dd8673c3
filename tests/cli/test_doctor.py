"""`milimo doctor --json` on this machine: a real subprocess, the real library on disk, torch's real view."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from milimo.engines.library import MANIFEST, entry


def doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "milimo.cli", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def test_doctor_json_describes_this_machine_and_the_library(tmp_path: Path):
    data = tmp_path / "data"
    for rel in entry("ltx23-dev").required_files:  # a complete-looking LTX-2.3 folder, as a download leaves it
        path = data / "models" / "ltx23-dev" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    r = doctor("--json", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)

    assert report["platform"]["cpus"] == os.cpu_count()
    assert 0 < report["ram"]["available_bytes"] <= report["ram"]["total_bytes"]
    assert 0 < report["disk"]["free_bytes"] <= report["disk"]["total_bytes"]
    acc = report["accelerators"]
    if importlib.util.find_spec("torch") is not None:
        import torch

        assert acc["torch"] == torch.__version__ and acc["cuda"] == torch.cuda.is_available()
        assert len(acc["gpus"]) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    for gpu in acc["gpus"]:
        assert 0 < gpu["free_bytes"] <= gpu["total_bytes"]

    assert [m["id"] for m in report["models"]] == [e.id for e in MANIFEST]
    status = {m["id"]: m["status"] for m in report["models"]}
    assert status["gemma3-12b"] == "not_downloaded"
    # ltx23-dev's files are there, but it needs gemma3-12b: listed as on disk, not a usable model
    assert status["ltx23-dev"] == "downloaded"
    rows = {row["model_id"]: row for row in report["fits"]}
    assert rows["ltx23-dev"]["downloaded"] and not rows["ltx23-dev"]["usable"]
    assert set(rows) == {e.id for e in MANIFEST if e.engine == "ltx2" and e.role == "base"}
    need = rows["ltx2-dev"]["vram_needed_gib"]
    assert need["gpu"]["bf16"] > need["text_encoder_cpu"]["bf16"] > need["group_offload"]["bf16"]
    assert need["gpu"]["fp8"] < need["gpu"]["bf16"]
    assert all(len(row["gpus"]) == len(acc["gpus"]) for row in rows.values())
    assert report["advice"] and any("gemma3-12b" in tip for tip in report["advice"])
    if not acc["gpus"]:
        assert report["advice"][0].startswith("No CUDA GPU")


def test_doctor_text_is_readable(tmp_path: Path):
    r = doctor("--data-dir", str(tmp_path / "data"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("machine ") and any(line.startswith("RAM ") for line in lines)
    assert any("ltx25-distilled" in line for line in lines) and any(line.startswith("- ") for line in lines)
