"""Smooth motion ×2 with LTX-2.5's DFR temporal refine: a tiny random LTX-2.5 (distilled) and temporal
upsampler built from configs and loaded through the model library. A take generated through
LTX2DFRPipeline keeps its pass beside it; the refine makes 2(N-1)+1 frames at twice the rate from it,
as a job over HTTP like any other, and a take without that state says why the draft engine is used."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from milimo.engines.protocols import VideoRequest
from milimo.media import probe
from tests.jobs.test_chained_generation import wait_job

from .conftest import needs_torch


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """<data>/models with a tiny LTX-2.5 distilled, its spatial and temporal upscalers."""
    pytest.importorskip("diffusers")
    import torch

    from .tiny import build_ltx2, build_temporal_upsampler

    torch.set_num_threads(2)
    data = tmp_path_factory.mktemp("smooth25") / "data"
    models = data / "models"
    work = tmp_path_factory.mktemp("tok25")
    build_ltx2(models / "ltx25-distilled", models / "ltx25-spatial-upscaler", None, "2.5", work)
    build_temporal_upsampler(models / "ltx25-temporal-upscaler")
    return data


def engine_from(data):
    from milimo.engines.ltx2 import LTX2Engine

    engine = LTX2Engine.from_library(data / "models", device="cpu", max_sequence_length=64)
    assert engine is not None
    return engine


@needs_torch
def test_an_ltx25_take_keeps_its_dfr_pass_and_refines_to_twice_the_rate(library, tmp_path):
    engine = engine_from(library)
    assert engine.temporal_upsampler_path == library / "models" / "ltx25-temporal-upscaler" / "temporal_latent_upsampler"
    assert engine.describe()["smooth_motion"] == "ready" and engine.refine_unavailable() is None
    engine.load()
    try:
        steps: list[tuple[int, int]] = []
        request = VideoRequest(prompt="a paper boat drifts", width=64, height=64, num_frames=17, fps=12, seed=3, steps=8, cfg=1.0)
        video = engine.generate(request, lambda s, t: steps.append((s, t)))
        assert engine.last_run.pipeline == "LTX2DFRPipeline" and steps[-1] == (8, 8)
        assert video.num_frames == 17 and (video.width, video.height) == (64, 64) and video.audio is not None
        state = video.latents
        assert state is not None and state.keyframe_positions == [24]  # 17 frames pad to a 25-frame canvas
        sidecar = tmp_path / "take.dfr.safetensors"
        state.save(sidecar)

        steps.clear()
        out = engine.refine_motion(sidecar, request.prompt, request.seed, lambda s, t: steps.append((s, t)))
        assert engine.last_run.pipeline == "LTX2DFRTemporalRefinePipeline"
        assert out.num_frames == 2 * (17 - 1) + 1 and out.fps == 24 and (out.width, out.height) == (64, 64)
        assert steps and steps[-1][0] == steps[-1][1] and [s for s, _ in steps] == sorted({s for s, _ in steps})
        frames = np.stack(list(out.frames))
        assert frames.shape == (33, 64, 64, 3) and frames.dtype == np.uint8

        def stop(step, total):
            if step == 2:
                raise KeyboardInterrupt  # what a cancel raises leaves the refine at once

        with pytest.raises(KeyboardInterrupt):
            engine.refine_motion(sidecar, request.prompt, request.seed, stop)
        assert engine.refine_motion(sidecar, request.prompt, request.seed, lambda s, t: None).num_frames == 33  # still usable
    finally:
        engine.unload()


@needs_torch
def test_a_take_without_its_pass_cannot_be_refined_and_says_why(library, tmp_path):
    import shutil

    bare = tmp_path / "data"
    shutil.copytree(library / "models" / "ltx25-distilled", bare / "models" / "ltx25-distilled")
    engine = engine_from(bare)
    assert "temporal upscaler" in engine.describe()["smooth_motion"]
    engine.load()
    try:
        request = VideoRequest(prompt="a paper boat", width=64, height=64, num_frames=9, fps=12, seed=1, steps=8, cfg=1.0)
        video = engine.generate(request, lambda s, t: None)
        assert engine.last_run.pipeline == "LTX2Pipeline" and video.latents is None  # no refine later: no DFR pass to keep
    finally:
        engine.unload()


@needs_torch
def test_smooth_motion_job_refines_an_ltx25_take_end_to_end(library):
    settings = Settings(data_dir=library, device="cpu", log_level="warning", text_engine="draft", image_engine="draft")
    with TestClient(create_app(settings)) as c:
        pid = c.post("/projects", json={"name": "Smooth 2.5"}).json()["id"]
        r = c.post(
            "/generate/advanced",
            json={
                "project_id": pid,
                "shot_config": {
                    "id": "boat",
                    "prompt": "a paper boat drifts",
                    "num_frames": 17,
                    "width": 64,
                    "height": 64,
                    "fps": 12,
                    "enhance_prompt": False,
                    "seed": 5,
                },
            },
        )
        assert r.status_code == 200, r.text
        take = wait_job(c, r.json()["job_id"])
        assert take["status"] == "completed" and take["engine"] == "ltx2", take
        asset = c.get(f"/assets/{take['asset_id']}").json()
        assert asset["meta"]["dfr_state"] == f"generated/{take['id']}.dfr.safetensors"
        assert (library / "projects" / pid / asset["meta"]["dfr_state"]).is_file()

        r = c.post(f"/projects/{pid}/takes/{asset['id']}/smooth", json={"engine": "auto"})
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["refine"] == "ltx2" and body["engine"] == "ltx2" and body["fps"] == 24 and "LTX-2.5" in body["note"]
        job = wait_job(c, body["job_id"])
        assert job["status"] == "completed", job
        assert job["engine"] == "ltx2" and job["engine_version"] == "ltx2.5-distilled"
        new = c.get(f"/assets/{job['asset_id']}").json()
        assert new["engine"] == "ltx2" and new["meta"]["smooth_motion"]["method"] == "ltx2.5-dfr-temporal-refine"
        out = (
            probe(library / "projects" / pid / new["rel_path"])
            if "rel_path" in new
            else probe(library / "projects" / pid / "generated" / f"{job['id']}.mp4")
        )
        src = probe(library / "projects" / pid / "generated" / f"{take['id']}.mp4")
        assert out.num_frames == 33 and out.fps == 24 and out.has_audio and abs(out.duration - src.duration) <= 1 / 12
        takes = c.get(f"/projects/{pid}/takes", params={"shot_id": "boat"}).json()["takes"]
        assert [t["smoothed_from"] for t in takes] == [None, asset["id"]] and takes[1]["current"]

        # a smoothed take has no DFR pass of its own: smoothing it again with LTX-2.5 is refused, with the reason
        r = c.post(f"/projects/{pid}/takes/{new['id']}/smooth", json={"engine": "ltx2"})
        assert r.status_code == 422 and "DFR" in r.text

        # deleting the original take takes its DFR pass with it
        state = library / "projects" / pid / asset["meta"]["dfr_state"]
        assert c.delete(f"/assets/{asset['id']}").status_code == 200
        assert not state.exists()
