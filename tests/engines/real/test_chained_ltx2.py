"""Chained generation through the studio with the tiny LTX-2: the tail hand-off reaches the
condition pipeline, the shot has exactly the requested frames and keeps its audio."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from milimo.media import probe

pytestmark = pytest.mark.models


def test_chained_ltx2_hands_the_tail_to_the_condition_pipeline(tiny_models, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", log_level="warning", device="cpu")
    settings.models_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.models_dir.symlink_to(tiny_models["models_dir"], target_is_directory=True)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.studio.engines.get("video")
        assert engine.name == "ltx2"
        runs = []
        original = engine.generate

        def recording(request, on_step):  # remember each chunk's RunRecord (a wrapper, not a fake)
            result = original(request, on_step)
            runs.append((request, engine.last_run))
            return result

        engine.generate = recording
        pid = client.post("/projects", json={"name": "ltx chained"}).json()["id"]
        body = client.post(
            "/generate/advanced",
            json={
                "project_id": pid,
                "shot_config": {
                    "prompt": "a tiny test",
                    "num_frames": 530,
                    "width": 64,
                    "height": 64,
                    "fps": 24,
                    "num_inference_steps": 2,
                    "enhance_prompt": False,
                },
            },
        ).json()
        assert body["chained"] and body["engine"] == "ltx2"
        deadline = time.monotonic() + 300
        while (job := client.get(f"/status/{body['job_id']}").json())["status"] not in ("completed", "failed", "cancelled"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert job["status"] == "completed", job
        assert len(runs) == 2
        first, second = runs
        assert first[0].num_frames == 481 and first[0].continuation is None  # 20 s at 24 fps: LTX-2's per-call limit
        request, record = second
        assert request.num_frames == 81 and len(request.continuation.frames) == 25  # 25 overlap + 49 new, snapped to 8k+1
        assert record.pipeline == "LTX2ConditionPipeline"
        assert any(c.get("frames") == 25 or c.get("num_frames") == 25 for c in record.conditions), record.conditions
        info = probe(settings.project_dir(pid) / "generated" / f"{body['job_id']}.mp4")
        assert info.num_frames == 530 and info.has_audio
        assert abs(info.duration - 530 / 24) < 1 / 24


def test_chunks_follow_the_engines_limit_at_the_shots_own_rate(ltx2_engine):
    """LTX-2's one-call limit is in seconds: fewer frames at a lower rate, so a shot that fits one call
    at 24 fps is chained at 12 fps, and no chunk asks the engine for more than it makes at that rate."""
    from milimo.engines.protocols import native_max_frames
    from milimo.tasks.chained import plan_for

    at24, at12 = native_max_frames(ltx2_engine, 24.0), native_max_frames(ltx2_engine, 12.0)
    assert at24 == ltx2_engine.max_frames(24.0) and at12 == ltx2_engine.max_frames(12.0) and at12 < at24
    assert len(plan_for(ltx2_engine, at24, 24.0)) == 1
    chunks = plan_for(ltx2_engine, at24, 12.0)
    assert len(chunks) > 1 and max(c.generate for c in chunks) <= at12
    assert sum(c.keep for c in chunks) == at24 and all((c.generate - 1) % 8 == 0 for c in chunks)
    # and submit decides the same way: chained at 12 fps, one call at 24 (frames kept exactly when chained)
    from milimo.studio.generation import check_chained, snap_to_video_engine

    assert not check_chained(ltx2_engine, "ti2vid", at24, 24.0) and check_chained(ltx2_engine, "ti2vid", at24, 12.0)
    assert snap_to_video_engine(ltx2_engine, 768, 512, at24 + 3, 12.0)[2] == at24 + 3
