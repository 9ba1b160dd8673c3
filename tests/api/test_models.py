"""The model library over HTTP: list, download against a local hub with progress over SSE, cancel, resume, delete.

The hub is tests/engines/real/fakehub.py on 127.0.0.1 (repo info, tree, resolve with ranges); the
studio is a real `milimo serve` pointed at it through HF_ENDPOINT, as a user would point it at a mirror.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from milimo.engines.library import MANIFEST, entry, marker_path, model_status
from tests.engines.real import fakehub
from tests.sse import SSEClient

needs_hub = pytest.mark.skipif(
    importlib.util.find_spec("huggingface_hub") is None, reason="needs huggingface_hub ([models] extra)"
)
HAVE_TORCH_STACK = all(importlib.util.find_spec(m) is not None for m in ("torch", "diffusers", "transformers"))
UPSCALER = "ltx2-spatial-upscaler"
BIG = "latent_upsampler/diffusion_pytorch_model.safetensors"


def hub_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "HF_HUB_OFFLINE": "0",
        "HF_ENDPOINT": url,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HOME": str(tmp_path / "hf"),
    }


@pytest.fixture
def hub():
    servers = []

    def start(repo: str, files: dict[str, bytes], pause_s: float = 0.0) -> str:
        url, server = fakehub.serve(repo, files, pause_s)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()


def events_for(sse: SSEClient, model_id: str) -> list:
    return [e for e in sse.events if e.data.get("model_id") == model_id]


# --------------------------------------------------------------------------- listing and errors


def test_models_lists_every_manifest_entry_with_status_size_licence_and_engine(client):
    body = client.get("/models").json()
    assert body["count"] == len(MANIFEST) and [m["id"] for m in body["models"]] == [e.id for e in MANIFEST]
    assert body["disk_free_bytes"] > 0 and body["models_dir"].endswith("models")
    ltx2 = next(m for m in body["models"] if m["id"] == "ltx2-distilled")
    assert (
        ltx2["status"] == "not_downloaded"
        and ltx2["engine"] == "ltx2"
        and ltx2["size_bytes"] == entry("ltx2-distilled").expected_bytes
    )
    assert ltx2["license"] and ltx2["requires"] == ["gemma3-12b"] and ltx2["missing_requirements"] == ["gemma3-12b"]
    assert ltx2["progress"] is None and not ltx2["loaded"] and not ltx2["in_use"]
    gemma = client.get("/models/gemma3-12b").json()
    assert gemma["gated"] and gemma["used_by"] == ["gemma3", "ltx2"]


def test_unknown_models_are_404_everywhere(client):
    for method, path in (
        ("GET", "/models/sd15"),
        ("POST", "/models/sd15/download"),
        ("DELETE", "/models/sd15/download"),
        ("DELETE", "/models/sd15"),
    ):
        r = client.request(method, path)
        assert r.status_code == 404 and "no model called 'sd15'" in r.json()["detail"], (method, path)
    assert client.get("/models/..%2Fetc").status_code in (404, 422)


def test_nothing_to_cancel_or_delete_is_404(client):
    assert client.delete(f"/models/{UPSCALER}/download").status_code == 404
    r = client.delete(f"/models/{UPSCALER}")
    assert r.status_code == 404 and "not downloaded" in r.json()["detail"]


def test_downloaded_model_is_409_and_delete_removes_it(client, settings):
    folder = settings.models_dir / UPSCALER
    for rel in entry(UPSCALER).required_files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("{}")
    assert client.get(f"/models/{UPSCALER}").json()["status"] == "downloaded"
    r = client.post(f"/models/{UPSCALER}/download")
    assert r.status_code == 409 and "already downloaded" in r.json()["detail"]
    r = client.delete(f"/models/{UPSCALER}")
    assert r.status_code == 200 and r.json()["deleted"] and r.json()["freed_bytes"] > 0
    assert not folder.exists() and not list(settings.models_dir.glob(f".{UPSCALER}*"))
    assert client.get(f"/models/{UPSCALER}").json()["status"] == "not_downloaded"


def test_download_without_room_on_disk_is_507(tmp_path):
    """A data dir on a small tmpfs: LTX-2 (about 44 GB) does not fit, and nothing starts."""
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings

    shm = Path("/dev/shm")
    need = entry("ltx2-dev").expected_bytes * 1.1
    if not shm.is_dir() or shutil.disk_usage(shm).free >= need:
        pytest.skip("needs a /dev/shm smaller than the LTX-2 download")
    root = Path(tempfile.mkdtemp(dir=shm))
    try:
        with TestClient(create_app(Settings(data_dir=root / "data", log_level="warning"))) as c:
            r = c.post("/models/ltx2-dev/download")
            assert r.status_code == 507, r.text
            body = r.json()
            assert body["code"] == "insufficient_storage" and body["needed_bytes"] >= entry("ltx2-dev").expected_bytes
            assert body["free_bytes"] < body["needed_bytes"] and "GB free" in body["detail"]
            assert c.get("/models/ltx2-dev").json()["status"] == "not_downloaded"
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------- downloads against a local hub


@pytest.mark.models
@needs_hub
def test_cancel_mid_download_then_resume_then_delete(hub, tmp_path, server_factory):
    files = {"latent_upsampler/config.json": b'{"_class_name": "LTX2LatentUpsamplerModel"}', BIG: os.urandom(32 * 1024 * 1024)}
    url = hub(entry(UPSCALER).repo_id, files, pause_s=0.004)
    server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
    with httpx.Client(base_url=server.url, timeout=30) as http:
        sse = SSEClient(server.url)
        r = http.post(f"/models/{UPSCALER}/download")
        assert r.status_code == 202 and r.json()["status"] == "downloading"
        first = sse.wait_for(lambda e: e.type == "download_progress" and e.data["model_id"] == UPSCALER)
        total = sum(len(c) for c in files.values())
        assert first.data["bytes_total"] == total and 0 < first.data["bytes_done"] < total
        assert first.data["speed_bps"] > 0 and first.data["eta_s"] is not None and 0 <= first.data["progress"] < 100

        busy = http.get(f"/models/{UPSCALER}").json()
        assert busy["status"] == "downloading" and busy["progress"]["bytes_total"] == total
        assert http.post(f"/models/{UPSCALER}/download").status_code == 409
        assert http.delete(f"/models/{UPSCALER}").status_code == 409

        assert http.delete(f"/models/{UPSCALER}/download").json() == {"model_id": UPSCALER, "status": "cancelling"}
        error = sse.wait_for(lambda e: e.type in ("download_error", "download_complete") and e.data["model_id"] == UPSCALER)
        assert error.type == "download_error", "cancelled mid-file: never a false 'downloaded'"
        assert error.data["resumable"] and error.data["cancelled"] and not error.data["gated"] and error.data["message"]
        after = http.get(f"/models/{UPSCALER}").json()
        assert after["status"] == "not_downloaded" and after["partial"] and after["progress"] is None

        fetched_before = sum(1 for m, p, _ in fakehub.HubHandler.log if m == "GET" and p.endswith("config.json"))
        assert http.post(f"/models/{UPSCALER}/download").status_code == 202
        done = sse.wait_for(
            lambda e: e.type in ("download_error", "download_complete") and e.data["model_id"] == UPSCALER and e.id > error.id
        )
        assert done.type == "download_complete", done.data
        assert done.data["bytes"] == total and done.data["path"].endswith(UPSCALER)
        fetched_after = sum(1 for m, p, _ in fakehub.HubHandler.log if m == "GET" and p.endswith("config.json"))
        assert fetched_after == fetched_before, "the file finished before the cancel is not fetched again"
        final = http.get(f"/models/{UPSCALER}").json()
        assert final["status"] == "downloaded" and final["bytes_on_disk"] >= total
        assert (server.data_dir / "models" / UPSCALER / BIG).read_bytes() == files[BIG]
        progress = [e.data["bytes_done"] for e in events_for(sse, UPSCALER) if e.type == "download_progress" and e.id > error.id]
        assert progress == sorted(progress)
        sse.close()

        assert http.delete(f"/models/{UPSCALER}").json()["deleted"]
        assert http.get(f"/models/{UPSCALER}").json()["status"] == "not_downloaded"
        assert not (server.data_dir / "models" / UPSCALER).exists()


@pytest.mark.models
@needs_hub
def test_a_repo_the_hub_cannot_serve_ends_in_download_error(hub, tmp_path, server_factory):
    url = hub("someone/else", {"config.json": b"{}"})
    server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
    with httpx.Client(base_url=server.url, timeout=30) as http:
        sse = SSEClient(server.url)
        assert http.post("/models/flux2-klein-4b/download").status_code == 202
        error = sse.wait_for(
            lambda e: e.type in ("download_error", "download_complete") and e.data["model_id"] == "flux2-klein-4b"
        )
        sse.close()
        assert error.type == "download_error" and error.data["message"] and not error.data["cancelled"]
        status = http.get("/models/flux2-klein-4b").json()
        assert status["status"] == "error" and status["message"]
        assert http.get("/engines").json()["engines"]["image"]["engine"] == "draft"


@pytest.mark.models
@needs_hub
@pytest.mark.skipif(not HAVE_TORCH_STACK, reason="needs the [models] extra (torch, diffusers, transformers)")
def test_download_emits_progress_then_complete_and_the_next_job_uses_the_real_engine(hub, tmp_path, server_factory):
    from tests.engines.real.tiny import build_flux2_klein

    tiny = build_flux2_klein(tmp_path / "tiny" / "flux2-klein-4b", tmp_path / "tok")
    files = {p.relative_to(tiny).as_posix(): p.read_bytes() for p in tiny.rglob("*") if p.is_file()}
    files["scheduler/padding.bin"] = os.urandom(16 * 1024 * 1024)  # enough bytes for progress events on the way
    url = hub(entry("flux2-klein-4b").repo_id, files, pause_s=0.003)
    server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.get("/engines").json()["engines"]["image"]["engine"] == "draft"
        sse = SSEClient(server.url)
        assert http.post("/models/flux2-klein-4b/download").status_code == 202
        done = sse.wait_for(
            lambda e: e.type in ("download_error", "download_complete") and e.data["model_id"] == "flux2-klein-4b"
        )
        assert done.type == "download_complete", done.data
        progress = [e for e in events_for(sse, "flux2-klein-4b") if e.type == "download_progress"]
        assert progress and all(e.id < done.id for e in progress)
        assert {"bytes_done", "bytes_total", "speed_bps", "eta_s", "progress"} <= set(progress[0].data)
        assert [e.data["bytes_done"] for e in progress] == sorted(e.data["bytes_done"] for e in progress)

        assert http.get("/models/flux2-klein-4b").json()["status"] == "downloaded"
        image = http.get("/engines").json()["engines"]["image"]
        assert image["engine"] == "flux2-klein" and image["why"] == "weights_found"

        pid = http.post("/projects", json={"name": "After download"}).json()["id"]
        r = http.post(
            "/generate/image",
            json={"project_id": pid, "prompt": "a lighthouse", "width": 64, "height": 64, "num_inference_steps": 2, "seed": 3},
        )
        job = sse.wait_for(lambda e: e.data.get("job_id") == r.json()["job_id"] and e.type in ("complete", "error"), 120)
        sse.close()
        assert job.type == "complete" and job.data["engine"] == "flux2-klein"

        assert http.delete("/models/flux2-klein-4b").json()["deleted"], "not in use once the job has finished"
        assert http.get("/engines").json()["engines"]["image"]["engine"] == "draft"


@pytest.mark.models
@needs_hub
def test_stopping_the_server_cancels_a_running_download_cleanly(hub, tmp_path, server_factory):
    files = {"latent_upsampler/config.json": b"{}", BIG: os.urandom(64 * 1024 * 1024)}
    url = hub(entry(UPSCALER).repo_id, files, pause_s=0.02)  # about 20 s to download in full
    server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
    with httpx.Client(base_url=server.url, timeout=30) as http:
        sse = SSEClient(server.url)
        assert http.post(f"/models/{UPSCALER}/download").status_code == 202
        sse.wait_for(lambda e: e.type == "download_progress" and e.data["bytes_done"] > 1_000_000)
        sse.close()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 10, "the server waited for the download"
    marker = json.loads(marker_path(server.data_dir / "models", entry(UPSCALER)).read_text())
    assert marker.get("cancelled"), "the shutdown cancelled the download (rather than the process dying under it)"
    st = model_status(server.data_dir / "models", entry(UPSCALER))
    assert st.state == "not_downloaded" and st.partial, "cut off at shutdown: resumable, never 'downloaded'"
