"""GET /engines and engine selection: the real engines when their weights are on disk, the drafts otherwise.

The tiny random LTX-2, FLUX.2 [klein] and Gemma 3 are saved under `<data>/models/<id>/` exactly as
the model library lays out downloads, and a real `milimo serve` runs jobs on them over HTTP.
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from milimo.media import probe
from tests.sse import SSEClient
from tests.state import state_shots

HAVE_TORCH_STACK = all(importlib.util.find_spec(m) is not None for m in ("torch", "diffusers", "transformers"))
needs_torch = pytest.mark.skipif(not HAVE_TORCH_STACK, reason="needs the [models] extra (torch, diffusers, transformers)")


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    """A models folder holding the tiny models, laid out as downloads land (built once for this module)."""
    if not HAVE_TORCH_STACK:
        pytest.skip("needs the [models] extra (torch, diffusers, transformers)")
    from tests.engines.real.tiny import build_all

    models = tmp_path_factory.mktemp("weights") / "models"
    build_all(models, tmp_path_factory.mktemp("tokenizers"))
    return models


def studio_with(weights: Path, root: Path, *ids: str) -> Path:
    """A fresh data dir whose models/ holds the named tiny models (all of them when none are named)."""
    data = root / "data"
    for model_id in ids or [p.name for p in weights.iterdir() if p.is_dir()]:
        shutil.copytree(weights / model_id, data / "models" / model_id)
    return data


def generate(http: httpx.Client, pid: str, **shot) -> dict:
    shot = {"prompt": "a robot dancing in the rain", "enhance_prompt": False, "cfg_scale": 1.0, **shot}
    r = http.post("/generate/advanced", json={"project_id": pid, "shot_config": shot})
    assert r.status_code == 200, r.text
    return r.json()


def finished(sse: SSEClient, job_id: str, timeout: float = 120):
    return sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error", "cancelled"), timeout)


def test_without_weights_every_capability_is_the_draft_and_says_why(client):
    body = client.get("/engines").json()
    for capability in ("video", "image", "text"):
        info = body["engines"][capability]
        assert info["engine"] == "draft" and info["why"] == "draft" and info["device"] == "cpu"
        assert "draft" in info["reason"]
        assert info["candidates"], "the real candidates are listed with the reason they were passed over"
    video = body["engines"]["video"]["candidates"][0]
    assert video["engine"] == "ltx2"
    assert video["status"] in ("weights_missing", "extra_missing") and video["reason"]
    assert body["loaded"] == [] and body["in_use"] == {}


def test_configured_draft_is_reported_as_configured(tmp_path):
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings

    settings = Settings(data_dir=tmp_path / "data", log_level="warning", video_engine="draft")
    with TestClient(create_app(settings)) as c:
        video = c.get("/engines").json()["engines"]["video"]
    assert (video["engine"], video["why"], video["reason"]) == ("draft", "configured", "configured: draft")


@pytest.mark.models
@needs_torch
def test_studio_runs_the_real_engines_when_weights_are_present(weights, tmp_path, server_factory):
    server = server_factory(studio_with(weights, tmp_path))
    with httpx.Client(base_url=server.url, timeout=60) as http:
        engines = http.get("/engines").json()["engines"]
        assert {c: engines[c]["engine"] for c in ("video", "image", "text")} == {
            "video": "ltx2",
            "image": "flux2-klein",
            "text": "gemma3",
        }
        for capability in ("video", "image", "text"):
            assert engines[capability]["why"] == "weights_found"
            assert engines[capability]["reason"].startswith("weights found at ")
            assert engines[capability]["device"] == "cpu" and engines[capability]["dtype"] == "float32"
        assert engines["video"]["two_stage"] and engines["video"]["text_encoder"].endswith("gemma3-12b")

        pid = http.post("/projects", json={"name": "Tiny"}).json()["id"]
        sse = SSEClient(server.url)
        queued = generate(http, pid, id="shot-ltx2", num_frames=9, width=64, height=64, num_inference_steps=2)
        assert queued["engine"] == "ltx2"
        done = finished(sse, queued["job_id"])
        assert done.type == "complete", done.data
        assert done.data["engine"] == "ltx2" and done.data["has_audio"]
        messages = [e.data["message"] for e in sse.for_job(queued["job_id"]) if e.type == "progress"]
        assert "Loading models..." in messages and "Generating (2/2)" in messages

        job = http.get(f"/status/{queued['job_id']}").json()
        assert (job["status"], job["engine"], job["engine_version"]) == ("completed", "ltx2", "ltx2-dev")
        shot = next(s for s in state_shots(http.get(f"/projects/{pid}").json()) if s["id"] == "shot-ltx2")
        assert (shot["engine"], shot["status"]) == ("ltx2", "completed")
        info = probe(server.data_dir / "projects" / pid / "generated" / f"{queued['job_id']}.mp4")
        assert (info.num_frames, info.width, info.height) == (9, 64, 64)
        assert info.has_audio and info.sample_rate

        still = generate(http, pid, id="shot-still", num_frames=1, width=64, height=64, num_inference_steps=2)
        assert still["engine"] == "flux2-klein" and still["pipeline"] == "image"
        done = finished(sse, still["job_id"])
        sse.close()
        assert done.type == "complete" and done.data["engine"] == "flux2-klein" and done.data["type"] == "image"
        asset = http.get(f"/assets/{done.data['asset_id']}").json()
        assert (asset["engine"], asset["width"], asset["height"]) == ("flux2-klein", 64, 64)
        after = http.get("/engines").json()
        assert after["loaded"] == ["flux2"], "one family on the device: LTX-2 made room for FLUX.2"


@pytest.mark.models
@needs_torch
def test_ltx2_without_its_text_encoder_falls_back_to_the_draft(weights, tmp_path, server_factory):
    server = server_factory(studio_with(weights, tmp_path, "ltx2-dev"))  # gemma3-12b missing: LTX-2 is not usable
    with httpx.Client(base_url=server.url, timeout=60) as http:
        video = http.get("/engines").json()["engines"]["video"]
        assert video["engine"] == "draft" and video["candidates"][0]["status"] == "weights_missing"
        pid = http.post("/projects", json={"name": "Draft"}).json()["id"]
        sse = SSEClient(server.url)
        queued = generate(http, pid, num_frames=9, width=64, height=64)
        done = finished(sse, queued["job_id"])
        sse.close()
        assert done.type == "complete" and done.data["engine"] == "draft"


@pytest.mark.models
@needs_torch
def test_library_changes_never_pull_an_engine_from_under_a_running_job(weights, tmp_path, server_factory):
    """Delete is refused while a job uses the weights; a refresh mid-job applies to the next job only."""
    data = studio_with(weights, tmp_path, "ltx2-dev", "gemma3-12b")  # no upsampler yet: one-stage LTX-2
    server = server_factory(data)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        before = http.get("/engines").json()["engines"]["video"]
        assert before["engine"] == "ltx2" and not before["two_stage"] and before["upsampler"] is None
        pid = http.post("/projects", json={"name": "Busy"}).json()["id"]
        sse = SSEClient(server.url)
        long_job = generate(http, pid, id="shot-long", num_frames=17, width=64, height=64, num_inference_steps=150)
        sse.wait_for(lambda e: e.data.get("job_id") == long_job["job_id"] and "Generating (" in e.data.get("message", ""), 120)

        r = http.delete("/models/ltx2-dev")
        assert r.status_code == 409 and "in use" in r.json()["detail"]
        assert http.delete("/models/gemma3-12b").status_code == 409  # LTX-2 uses it as its text encoder
        listed = {m["id"]: m for m in http.get("/models").json()["models"]}
        assert listed["ltx2-dev"]["in_use"] and listed["ltx2-dev"]["loaded"] and listed["gemma3-12b"]["in_use"]

        # The upsampler arrives mid-job (as a finished download would) and selection is refreshed.
        shutil.copytree(weights / "ltx2-spatial-upscaler", data / "models" / "ltx2-spatial-upscaler")
        refreshed = http.post("/engines/refresh").json()
        assert refreshed["engines"]["video"]["two_stage"] and refreshed["in_use"] == {"ltx2": 1}

        done = finished(sse, long_job["job_id"], timeout=300)
        assert done.type == "complete", done.data
        assert http.get(f"/status/{long_job['job_id']}").json()["status"] == "completed"
        next_job = generate(http, pid, id="shot-next", num_frames=9, width=64, height=64, num_inference_steps=2, upscale=True)
        done = finished(sse, next_job["job_id"])
        sse.close()
        assert done.type == "complete" and done.data["engine"] == "ltx2"
        loading = [e for e in sse.for_job(next_job["job_id"]) if e.data.get("message") == "Loading models..."]
        assert len(loading) == 2, "the job's first status, then the ModelManager loading the refreshed engine"

        assert http.delete("/models/ltx2-spatial-upscaler").json()["deleted"]
        assert not http.get("/engines").json()["engines"]["video"]["two_stage"]


@pytest.mark.models
@needs_torch
def test_model_manager_swaps_a_refreshed_engine_only_after_the_job_using_the_old_one(weights):
    from milimo.engines.ltx2 import LTX2Engine
    from milimo.engines.manager import ModelManager

    old = LTX2Engine.from_library(weights, device="cpu", max_sequence_length=64)
    new = LTX2Engine.from_library(weights, device="cpu", max_sequence_length=64)
    manager = ModelManager()
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def running_job() -> None:
        with manager.use(old):
            holding.set()
            release.wait(30)
            order.append("old job done")

    def next_job() -> None:
        with manager.use(new):
            order.append("new job started")

    first = threading.Thread(target=running_job)
    first.start()
    holding.wait(30)
    second = threading.Thread(target=next_job)
    second.start()
    time.sleep(0.5)
    assert order == [] and old.describe()["loaded"], "the new engine waits; the old one stays loaded"
    release.set()
    first.join(30)
    second.join(30)
    assert order == ["old job done", "new job started"]
    assert not old.describe()["loaded"] and new.describe()["loaded"]
    assert manager.evict(lambda e: True) == [] and not new.describe()["loaded"]


@pytest.mark.models
@needs_torch
def test_ltx2_settings_reach_the_engine_and_a_bad_lora_says_which(weights, tmp_path):
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings

    pytest.importorskip("peft", reason="LoRAs need peft")
    from tests.engines.real.test_real_ltx2 import _tiny_lora

    data = studio_with(weights, tmp_path, "ltx2-dev", "gemma3-12b")
    lora = _tiny_lora(weights / "ltx2-dev", data / "models" / "loras", 1)
    settings = Settings(
        data_dir=data, log_level="warning", ltx2_offload="model", ltx2_fp8="off", ltx2_loras=f"loras/{lora.name}:0.7:camera"
    )  # as MILIMO_LTX2_LORAS would say it
    with TestClient(create_app(settings)) as c:
        video = c.get("/engines").json()["engines"]["video"]
    assert video["engine"] == "ltx2" and video["offload"] == "model" and video["fp8"] is False
    assert video["loras"] == [{"path": str(lora), "strength": 0.7, "kind": "camera"}]

    missing = Settings(data_dir=data, log_level="warning", ltx2_loras=["loras/dolly-in.safetensors:0.8"])
    with TestClient(create_app(missing)) as c:
        video = c.get("/engines").json()["engines"]["video"]
    assert video["engine"] == "draft"
    assert (
        video["candidates"][0]["status"] == "unavailable" and "loras/dolly-in.safetensors:0.8" in video["candidates"][0]["reason"]
    )


def test_a_remote_ollama_needs_allow_remote(tmp_path):
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings

    settings = Settings(
        data_dir=tmp_path / "data", log_level="warning", text_engine="ollama", ollama_url="http://192.0.2.10:11434"
    )  # never contacted: refused before any request
    assert settings.ollama_allow_remote is False
    with TestClient(create_app(settings)) as c:
        text = c.get("/engines").json()["engines"]["text"]
    assert text["engine"] == "draft" and "not available" in text["reason"]
    assert text["candidates"][0]["status"] == "unavailable" and "MILIMO_OLLAMA_ALLOW_REMOTE" in text["candidates"][0]["reason"]


def test_engines_report_their_grid(client):
    video = client.get("/engines").json()["engines"]["video"]
    caps = video["capabilities"]
    assert (caps["frame_step"], caps["native_max_frames"], caps["size_multiple"]) == (8, 505, 32)
    assert client.get("/engines").json()["engines"]["image"]["capabilities"]["size_multiple"] == 16
