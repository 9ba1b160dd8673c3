"""LTX-2.0, 2.3 and 2.5 side by side: tiny random models from each version's config, loaded the way a download is.

One library holds all three (each with its own upsampler; 2.0 and 2.3 share the Gemma 3 folder,
2.5 bundles its Gemma 4 encoder and a duration head), so selection, version-bound upsamplers and
LoRAs, the frame limit and the shared text encoder are checked on the real loading path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from milimo.engines.protocols import EngineUnavailable, VideoRequest

from .conftest import HAVE_TORCH_STACK, needs_torch

pytestmark = [pytest.mark.models, needs_torch]

IDS = {"2.0": "ltx2-dev", "2.3": "ltx23-dev", "2.5": "ltx25-distilled"}


@pytest.fixture(scope="session")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<data>/models with tiny LTX-2.0 (dev), 2.3 (dev), 2.5 (distilled), their upscalers, and Gemma 3."""
    if not HAVE_TORCH_STACK:
        pytest.skip("needs the [models] extra")
    from .tiny import build_versions

    models = tmp_path_factory.mktemp("versions") / "models"
    build_versions(models, tmp_path_factory.mktemp("version_tokenizers"))
    return models


def engine_for(models: Path, version: str, **options):
    from milimo.engines.ltx2 import LTX2Engine

    engine = LTX2Engine.from_library(models, device="cpu", max_sequence_length=64, model=IDS[version], **options)
    assert engine is not None
    return engine


def request(**kw) -> VideoRequest:
    return VideoRequest(
        **{
            "prompt": "a robot dancing in the rain",
            "width": 64,
            "height": 64,
            "num_frames": 17,
            "steps": 2,
            "cfg": 1.0,
            "seed": 3,
            **kw,
        }
    )


@pytest.mark.parametrize("version", ["2.0", "2.3", "2.5"])
def test_each_version_loads_from_the_library_generates_and_records_its_version(versions, version):
    engine = engine_for(versions, version)
    try:
        result = engine.generate(request(), lambda s, t: None)
        frames = list(result.frames)
        assert len(frames) == 17 and frames[0].shape == (64, 64, 3) and result.audio is not None
        assert engine.model_version == version
        assert engine.version == {"2.0": "ltx2-dev", "2.3": "ltx2.3-dev", "2.5": "ltx2.5-distilled"}[version]
        d = engine.describe()
        assert (d["model_id"], d["model_version"]) == (IDS[version], version)
        assert d["upsampler"].startswith(str(versions / IDS[version].replace("-dev", "").replace("-distilled", "")))
        assert d["text_encoder"] == ("bundled" if version == "2.5" else str(versions / "gemma3-12b"))
        assert d["duration_predictor"] is (version == "2.5")
        # STG on the block the diffusers docs recommend per version; distilled models run without guidance
        assert d["guidance_defaults"] == (
            None
            if version == "2.5"
            else {
                "2.0": {"steps": 40, "cfg": 3.0, "stg_blocks": [29], "audio_cfg": None},
                "2.3": {"steps": 30, "cfg": 3.0, "stg_blocks": [28], "audio_cfg": 7.0},
            }[version]
        )
    finally:
        engine.unload()


def test_selection_takes_the_newest_complete_model_unless_one_is_configured(versions):
    from milimo.config import Settings
    from milimo.engines.ltx2 import LTX2Engine

    newest = LTX2Engine.from_library(versions, device="cpu")
    assert (newest.model_id, newest.model_version) == ("ltx25-distilled", "2.5")
    assert newest.selected_because.startswith("newest complete model in the library")
    assert "also complete: ltx23-dev, ltx2-dev" in newest.selected_because
    assert newest.upsampler_path == versions / "ltx25-spatial-upscaler" / "latent_upsampler"

    settings = Settings(data_dir=versions.parent, device="cpu", ltx2_model="ltx23-dev")
    chosen = LTX2Engine.from_library(versions, settings=settings)
    assert (chosen.model_id, chosen.model_version) == ("ltx23-dev", "2.3")
    assert chosen.selected_because == "configured model ltx23-dev; also complete: ltx25-distilled, ltx2-dev"
    assert chosen.upsampler_path == versions / "ltx23-spatial-upscaler" / "latent_upsampler"  # its own, not 2.5's
    assert LTX2Engine.from_library(versions, device="cpu", model="ltx23-distilled") is None  # not downloaded


def test_a_lora_made_for_one_version_is_refused_on_another(versions, tmp_path):
    pytest.importorskip("peft", reason="LoRAs need peft")
    from milimo.engines.ltx2 import LoraSpec

    from .test_real_ltx2 import _tiny_lora

    saved = _tiny_lora(versions / "ltx2-dev", tmp_path / "dolly", 1)
    lora = saved.rename(saved.with_name("ltx-2-19b-lora-camera-control-dolly-in.safetensors"))  # the released name
    with pytest.raises(EngineUnavailable, match=r"made for LTX-2\.0 and cannot load on the LTX-2\.3 model"):
        engine_for(versions, "2.3", loras=[LoraSpec(lora, 1.0, "camera")])
    declared = LoraSpec(tmp_path / "any.safetensors", 1.0, "style", made_for="2.5")
    with pytest.raises(EngineUnavailable, match="LTX-2.5"):
        engine_for(versions, "2.0", loras=[declared])
    on_its_own = engine_for(versions, "2.0", loras=[LoraSpec(lora, 0.8, "camera", "dolly_in")])
    try:
        on_its_own.generate(request(), lambda s, t: None)
        assert on_its_own.last_run.adapters == [["dolly_in"]]
    finally:
        on_its_own.unload()


@pytest.mark.parametrize("fps", [12.0, 24.0, 25.0, 30.0, 60.0])
def test_the_frame_limit_is_where_diffusers_positions_leave_the_trained_range(versions, fps):
    """The limit from versions.FrameRules checked against diffusers' own RoPE coordinates (seconds)."""
    import torch
    from diffusers.models.transformers.transformer_ltx2 import LTX2AudioVideoRotaryPosEmbed

    from milimo.engines.ltx2.versions import FrameRules

    rules = FrameRules.from_folder(versions / "ltx2-dev")
    limit = rules.max_frames(fps)
    video = LTX2AudioVideoRotaryPosEmbed(dim=12, base_num_frames=20, modality="video")
    audio = LTX2AudioVideoRotaryPosEmbed(dim=12, base_num_frames=20, modality="audio", scale_factors=(4,))

    def last_seconds(frames: int) -> tuple[float, float]:
        latents = (frames - 1) // 8 + 1
        v = video.prepare_video_coords(1, latents, 1, 1, torch.device("cpu"), fps=fps)
        a = audio.prepare_audio_coords(1, round(frames / fps * 25), torch.device("cpu"))
        return float(v[:, 0].mean(-1).max()), float(a[:, 0].mean(-1).max())  # midpoints, as the RoPE takes them

    assert (limit - 1) % 8 == 0
    assert max(last_seconds(limit)) <= 20.0
    assert max(last_seconds(limit + 8)) > 20.0
    if fps == 24.0:
        assert limit == 481 and max(last_seconds(505)) > 20.0  # 505 frames is past the trained 20 s


def test_ltx25_proposes_a_shot_length_and_older_versions_do_not(versions):
    engine = engine_for(versions, "2.5")
    old = engine_for(versions, "2.0")
    try:
        frames = engine.propose_frames("a robot dancing in the rain", 24.0, min_seconds=2.0)
        assert frames is not None and (frames - 1) % 8 == 0 and 48 <= frames <= engine.max_frames(24.0)
        assert engine.propose_frames("a robot dancing in the rain", 24.0, min_seconds=2.0) == frames  # deterministic
        assert old.propose_frames("a robot dancing in the rain", 24.0) is None
    finally:
        engine.unload()
        old.unload()


def test_text_encoder_on_the_cpu_gives_the_same_video(versions):
    """memory mode text_encoder_cpu encodes apart and hands embeddings over: same pixels as the plain call."""
    plain = engine_for(versions, "2.3")
    apart = engine_for(versions, "2.3", memory="text_encoder_cpu")
    try:
        a = np.stack(list(plain.generate(request(cfg=3.0), lambda s, t: None).frames))
        b = np.stack(list(apart.generate(request(cfg=3.0), lambda s, t: None).frames))
        assert apart.describe()["memory"]["mode"] == "text_encoder_cpu"
        assert "prompt encoded on the CPU (memory mode text_encoder_cpu)" in apart.last_run.notes
        assert np.array_equal(a, b)
    finally:
        plain.unload()
        apart.unload()


def test_prompt_enhancement_reuses_the_text_encoder_ltx2_holds(versions):
    from milimo.engines.gemma import GemmaTextEngine
    from milimo.engines.manager import ModelManager

    video = engine_for(versions, "2.0")
    text = GemmaTextEngine.from_library(versions, device="cpu", max_new_tokens=8)
    manager = ModelManager()
    with manager.use(video):
        pass
    with manager.use(text):
        assert text._model is video._base.text_encoder  # one Gemma object, not a second copy
        assert text.describe()["shares_loaded_weights"]
        assert text.enhance("a robot", mode="video").prompt
    assert manager.status()["loaded"] == ["gemma3", "ltx2"]  # the enhancer freed nothing by staying
    with manager.use(video):
        assert video._base.text_encoder is text._model
    manager.unload_all()
    assert not video.describe()["loaded"] and not text.describe()["loaded"]


def test_get_engines_says_which_model_why_and_the_memory_plan(versions):
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings

    settings = Settings(data_dir=versions.parent, device="cpu", log_level="warning")
    with TestClient(create_app(settings)) as client:
        video = client.get("/engines").json()["engines"]["video"]
    assert (video["engine"], video["why"], video["version"]) == ("ltx2", "weights_found", "ltx2.5-distilled")
    assert (video["model_id"], video["model_version"]) == ("ltx25-distilled", "2.5")
    assert video["selected_because"].startswith("newest complete model in the library")
    assert video["memory"]["mode"] == "cpu" and video["memory"]["planned"] is True
    limits = video["frame_limits"]["max_frames"]
    assert {k: limits[k] for k in ("12", "24", "25", "30", "50", "60")} == {
        "12": 233,
        "24": 481,
        "25": 497,
        "30": 601,
        "50": 1001,
        "60": 1201,
    }
    assert all((v - 1) % 8 == 0 for v in limits.values()) and "23.976" in limits and "29.97" in limits
    assert video["capabilities"]["native_max_frames"] == 481 and video["duration_predictor"] is True
