"""The model library: a consistent manifest, honest status on disk, find_weights for engine selection."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from milimo.engines import library
from milimo.engines.library import (
    MANIFEST,
    DownloadCancelled,
    DownloadHandle,
    engine_files,
    entry,
    find_weights,
    marker_path,
    model_status,
    progress_bar_class,
)

pytestmark = pytest.mark.models


def test_manifest_is_consistent():
    ids = [e.id for e in MANIFEST]
    assert len(ids) == len(set(ids))
    wanted = {"ltx2-distilled", "ltx2-dev", "ltx2-spatial-upscaler", "gemma3-12b", "flux2-klein-4b", "flux2-klein-9b", "sam3"}
    assert wanted <= set(ids)
    for e in MANIFEST:
        assert e.repo_id.count("/") == 1 and e.allow_patterns and e.required_files and e.license and e.expected_bytes > 0
        assert all(r in ids for r in e.requires)
        assert e.engine in {"ltx2", "flux2-klein", "gemma3", "sam3"}
    assert entry("flux2-klein-4b").license == "Apache-2.0" and entry("flux2-klein-4b").commercial_use
    assert not entry("flux2-klein-9b").commercial_use and entry("sam3").gated and entry("gemma3-12b").gated
    with pytest.raises(KeyError, match="unknown model"):
        entry("sd15")


def test_nothing_downloaded_finds_nothing(tmp_path: Path):
    for name in ("ltx2", "flux2-klein", "gemma3", "sam3"):
        assert find_weights(tmp_path / "models", name) is None
    assert model_status(tmp_path / "models", entry("ltx2-dev")).state == "not_downloaded"


@pytest.mark.skipif(
    not all(__import__("importlib").util.find_spec(m) for m in ("torch", "diffusers")), reason="needs the [models] extra"
)
def test_find_weights_finds_the_saved_tiny_models(tiny_models):
    models = tiny_models["models_dir"]
    assert find_weights(models, "ltx2") == tiny_models["ltx2"]
    assert find_weights(models, "flux2-klein") == tiny_models["flux2"]
    files = engine_files(models, "ltx2")
    assert files["text_encoder"] == tiny_models["gemma3"] and files["variant"] == "dev"
    assert files["upsampler"] == tiny_models["upsampler"] / "latent_upsampler"
    st = model_status(models, entry("ltx2-dev"))
    assert st.state == "downloaded" and st.source == "models_dir" and st.bytes_on_disk > 0


def _fake_ltx2_folder(models: Path, model_id: str) -> Path:
    folder = models / model_id
    for rel in entry(model_id).required_files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("{}")
    return folder


def test_ltx2_without_its_text_encoder_is_not_usable(tmp_path: Path):
    models = tmp_path / "models"
    folder = _fake_ltx2_folder(models, "ltx2-dev")
    assert model_status(models, entry("ltx2-dev")).state == "downloaded"
    assert find_weights(models, "ltx2") is None  # gemma3-12b is missing
    _fake_ltx2_folder(models, "gemma3-12b")
    assert find_weights(models, "ltx2") == folder


def test_partial_download_is_never_downloaded(tmp_path: Path):
    models = tmp_path / "models"
    e = entry("flux2-klein-4b")
    _fake_ltx2_folder(models, e.id)  # every required file present...
    marker_path(models, e).write_text(json.dumps({"pid": 999_999_999, "model_id": e.id}))  # ...but cut off
    st = model_status(models, e)
    assert st.state == "not_downloaded" and st.partial and "resumes" in st.message
    assert find_weights(models, "flux2-klein") is None
    marker_path(models, e).write_text(json.dumps({"pid": 999_999_999, "error": "401 gated"}))
    assert model_status(models, e).state == "error" and "gated" in model_status(models, e).message
    marker_path(models, e).write_text(json.dumps({"pid": os.getppid()}))  # another live process is downloading
    assert model_status(models, e).state == "downloading"
    marker_path(models, e).unlink()
    incomplete = models / e.id / ".cache" / "huggingface" / "download" / "transformer"
    incomplete.mkdir(parents=True)
    (incomplete / "model.safetensors.incomplete").write_bytes(b"\0" * 10)
    assert model_status(models, e).state == "not_downloaded"  # the hub client is still writing a file


def test_progress_bar_reports_bytes_and_cancels_every_download_thread():
    pytest.importorskip("huggingface_hub")
    seen = []
    handle = DownloadHandle("flux2-klein-4b", bytes_total=100)
    Bar = progress_bar_class(handle, seen.append, min_interval_s=0)
    byte_bar = Bar(total=100, unit="B", name="huggingface_hub.snapshot_download")
    files_bar = Bar(total=3)
    byte_bar.update(40)
    files_bar.update(1)  # file counts are not bytes
    byte_bar.update(20)
    assert [p.bytes_done for p in seen] == [40, 60] and seen[-1].bytes_total == 100 and seen[-1].fraction == 0.6
    assert seen[-1].speed_bps > 0
    handle.cancel.set()
    for bar in (byte_bar, files_bar):
        with pytest.raises(DownloadCancelled):
            bar.update(1)


def test_download_failure_leaves_an_error_marker_not_a_download(tmp_path: Path):
    pytest.importorskip("huggingface_hub")
    models = tmp_path / "models"
    e = entry("flux2-klein-4b")
    cancel = threading.Event()
    with pytest.raises((RuntimeError, DownloadCancelled)):
        library.download_model(models, e, cancel=cancel)  # offline: the hub cannot be reached
    st = model_status(models, e)
    assert st.state in ("error", "not_downloaded") and st.state != "downloaded" and st.partial


DOWNLOAD_PROBE = r"""
import json, os, sys, threading
sys.path.insert(0, sys.argv[1])
from fakehub import HubHandler, serve
from milimo.engines import library

e = library.entry("flux2-klein-4b")
big = os.urandom(24 * 1024 * 1024)
files = {f: b"{}" for f in e.required_files} | {"transformer/diffusion_pytorch_model.safetensors": big,
                                                  "README.md": b"not in allow_patterns"}
url, server = serve(e.repo_id, files, pause_s=0.002)
models = sys.argv[2]
cancel = threading.Event()
first = []

def on_progress(p):
    first.append([p.bytes_done, p.bytes_total])
    if p.bytes_done >= 10 * 1024 * 1024:
        cancel.set()

try:
    library.download_model(models, e, on_progress=on_progress, cancel=cancel, endpoint=url)
    cancelled = False
except library.DownloadCancelled:
    cancelled = True
status_after_cancel = library.model_status(models, e).as_dict()
second = []
path = library.download_model(models, e, on_progress=lambda p: second.append([p.bytes_done, p.bytes_total]), endpoint=url)
data = open(os.path.join(path, "transformer/diffusion_pytorch_model.safetensors"), "rb").read()
print(json.dumps({
    "cancelled": cancelled, "first": first, "second": second, "after_cancel": status_after_cancel,
    "final": library.model_status(models, e).as_dict(), "intact": data == big,
    "gets": {p.split("/resolve/")[1].split("/", 1)[1]: sum(1 for m, q, _ in HubHandler.log if m == "GET" and q == p)
             for m, p, _ in HubHandler.log if "/resolve/" in p},
    "readme_fetched": any(p.endswith("README.md") for _, p, _ in HubHandler.log),
}))
"""


def test_download_reports_progress_cancels_and_resumes(tmp_path: Path):
    """Against a local hub over HTTP: bytes progress, cancel mid-file, then a download that resumes.

    huggingface_hub 2.x deletes a half-written file on failure, so resuming is per file: finished
    files are kept and not fetched again, the interrupted file starts over.
    """
    import subprocess
    import sys

    pytest.importorskip("huggingface_hub")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HOME": str(tmp_path / "hf"),
    }
    out = subprocess.run(
        [sys.executable, "-c", DOWNLOAD_PROBE, str(Path(__file__).parent), str(tmp_path / "models")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    total = 24 * 1024 * 1024 + 2 * len(entry("flux2-klein-4b").required_files)
    assert r["cancelled"] and r["first"][-1][1] == total
    assert r["after_cancel"]["state"] == "not_downloaded" and r["after_cancel"]["partial"]
    big = "transformer/diffusion_pytorch_model.safetensors"
    assert r["gets"][big] == 2 and all(r["gets"][f] == 1 for f in entry("flux2-klein-4b").required_files)
    assert r["second"][-1] == [total, total] and r["intact"] and not r["readme_fetched"]
    assert r["final"]["state"] == "downloaded"
