"""`milimo models list | download`: a table of the library, a download with a progress bar, Ctrl-C cancels cleanly."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from milimo.engines.library import MANIFEST, entry, marker_path, model_status
from tests.engines.real import fakehub

needs_hub = pytest.mark.skipif(
    importlib.util.find_spec("huggingface_hub") is None, reason="needs huggingface_hub ([models] extra)"
)
UPSCALER = "ltx2-spatial-upscaler"
BIG = "latent_upsampler/diffusion_pytorch_model.safetensors"


def milimo(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "milimo.cli", "models", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        **kw,
    )


@pytest.fixture
def hub(tmp_path):
    files = {"latent_upsampler/config.json": b"{}", BIG: os.urandom(24 * 1024 * 1024)}
    url, server = fakehub.serve(entry(UPSCALER).repo_id, files, pause_s=0.004)
    env = {
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": url,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HOME": str(tmp_path / "hf"),
    }
    yield env, files
    server.shutdown()


def test_models_list_is_a_table_of_the_library(tmp_path: Path):
    data = tmp_path / "data"
    for rel in entry(UPSCALER).required_files:
        (data / "models" / UPSCALER / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / "models" / UPSCALER / rel).write_text("{}")
    r = milimo("list", "--data-dir", str(data))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "SIZE", "ON", "DISK", "ENGINE", "LICENCE", "GATED"]
    rows = {line.split()[0]: line for line in lines[1 : len(MANIFEST) + 1]}
    assert list(rows) == [e.id for e in MANIFEST]
    assert "downloaded" in rows[UPSCALER] and "not_downloaded" in rows["ltx2-dev"]
    assert "Apache-2.0" in rows["flux2-klein-4b"] and rows["sam3"].rstrip().endswith("yes")
    assert f"models folder: {data / 'models'}" in r.stdout


def test_unknown_model_names_the_known_ones(tmp_path: Path):
    r = milimo("download", "sd15", "--data-dir", str(tmp_path / "data"))
    assert r.returncode == 2 and "unknown model 'sd15'" in r.stderr and "ltx2-distilled" in r.stderr


@pytest.mark.models
@needs_hub
def test_download_shows_progress_and_lands_where_the_studio_looks(tmp_path: Path, hub):
    env, files = hub
    data = tmp_path / "data"
    r = milimo("download", UPSCALER, "--data-dir", str(data), env=env)
    assert r.returncode == 0, r.stderr
    assert "100.0%" in r.stderr and "MB/s" in r.stderr
    assert f"{UPSCALER} downloaded to {data / 'models' / UPSCALER}" in r.stdout
    assert (data / "models" / UPSCALER / BIG).read_bytes() == files[BIG]
    assert model_status(data / "models", entry(UPSCALER)).state == "downloaded"
    again = milimo("download", UPSCALER, "--data-dir", str(data), env=env)
    assert again.returncode == 0 and "already downloaded" in again.stdout


@pytest.mark.models
@needs_hub
def test_ctrl_c_cancels_cleanly_and_the_next_run_resumes(tmp_path: Path, hub):
    env, files = hub
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "milimo.cli", "models", "download", UPSCALER, "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    pending = data / "models" / UPSCALER / ".cache" / "huggingface" / "download"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the big file is being written
        if any(p.name.endswith(".incomplete") and p.stat().st_size > 1_000_000 for p in pending.rglob("*") if p.is_file()):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the download never started")
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    st = model_status(data / "models", entry(UPSCALER))
    assert st.state == "not_downloaded" and st.partial, "cancelled: never a false 'downloaded'"
    assert marker_path(data / "models", entry(UPSCALER)).exists()

    r = milimo("download", UPSCALER, "--data-dir", str(data), env=env)
    assert r.returncode == 0, r.stderr
    assert (data / "models" / UPSCALER / BIG).read_bytes() == files[BIG]
    assert model_status(data / "models", entry(UPSCALER)).state == "downloaded"
