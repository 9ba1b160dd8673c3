"""LTX-2 engine on a tiny random model: every request shape reaches the right diffusers pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from milimo.engines.protocols import ConditioningImage, ConditioningVideo, Continuation, VideoEngine, VideoRequest

from .conftest import needs_torch

pytestmark = [pytest.mark.models, needs_torch]

W = H = 64
FRAMES = 17
FPS = 24.0


def picture(seed: int = 0, size: tuple[int, int] = (W, H)) -> Image.Image:
    rng = np.random.RandomState(seed)
    return Image.fromarray((rng.rand(size[1], size[0], 3) * 255).astype("uint8"))


def request(**kw) -> VideoRequest:
    base = dict(prompt="a robot dancing in the rain", width=W, height=H, num_frames=FRAMES, fps=FPS, steps=2, cfg=1.0, seed=7)
    return VideoRequest(**{**base, **kw})


def run(engine, req: VideoRequest) -> tuple:
    steps: list[tuple[int, int]] = []
    result = engine.generate(req, lambda s, t: steps.append((s, t)))
    frames = list(result.frames)
    return result, frames, steps


def test_engine_meets_the_video_protocol_and_is_honest(ltx2_engine):
    assert isinstance(ltx2_engine, VideoEngine)
    caps = ltx2_engine.capabilities
    # 481 = 20 s at 24 fps: the positional limit read from the config (not the often-quoted 505, see versions.py)
    assert (caps.native_max_frames, caps.frame_step, caps.returns_audio) == (481, 8, True)
    assert caps.size_multiple == 64  # the spatial upsampler is installed: two-stage sizes
    d = ltx2_engine.describe()
    assert d["device"] == "cpu" and d["dtype"] == "float32" and d["loaded"] and d["two_stage"]
    assert d["text_encoder"].endswith("gemma3-12b")


def test_text_to_video_returns_frames_and_audio_of_the_clip_length(ltx2_engine):
    result, frames, steps = run(ltx2_engine, request())
    assert ltx2_engine.last_run.pipeline == "LTX2Pipeline"
    assert len(frames) == result.num_frames == FRAMES
    assert frames[0].shape == (H, W, 3) and frames[0].dtype == np.uint8
    assert (result.width, result.height, result.fps) == (W, H, FPS)
    assert steps == [(1, 2), (2, 2)]
    audio = result.audio
    assert audio is not None and audio.sample_rate == 24000
    assert audio.samples.dtype == np.float32 and audio.samples.shape == (2, round(FRAMES / FPS * 24000))
    assert np.abs(audio.samples).max() <= 1.0


def test_same_seed_same_video_other_seed_other_video(ltx2_engine):
    _, a, _ = run(ltx2_engine, request(seed=3))
    _, b, _ = run(ltx2_engine, request(seed=3))
    _, c, _ = run(ltx2_engine, request(seed=4))
    assert np.array_equal(np.stack(a), np.stack(b))
    assert not np.array_equal(np.stack(a), np.stack(c))


def test_image_at_frame_zero_runs_image_to_video(ltx2_engine):
    req = request(images=[ConditioningImage(picture(1), frame_index=0)])
    _result, frames, _ = run(ltx2_engine, req)
    assert ltx2_engine.last_run.pipeline == "LTX2ImageToVideoPipeline"
    assert len(frames) == FRAMES and frames[0].shape == (H, W, 3)


def test_keyframes_run_the_condition_pipeline_at_latent_indices(ltx2_engine):
    req = request(images=[ConditioningImage(picture(1), 0), ConditioningImage(picture(2), FRAMES - 1, strength=0.9)])
    _, frames, _ = run(ltx2_engine, req)
    record = ltx2_engine.last_run
    assert record.pipeline == "LTX2ConditionPipeline"
    assert [c["latent_index"] for c in record.conditions] == [0, 2]  # frame 16 lives in latent 2
    assert len(frames) == FRAMES


def test_video_conditioning_runs_the_ic_lora_pipeline(ltx2_engine, tmp_path: Path):
    import av

    clip = tmp_path / "pose.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for i in range(FRAMES):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.asarray(picture(i)), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    req = request(pipeline="ic_lora", videos=[ConditioningVideo(clip)], images=[ConditioningImage(picture(1), 0)])
    _, frames, _ = run(ltx2_engine, req)
    record = ltx2_engine.last_run
    assert record.pipeline == "LTX2InContextPipeline"
    assert {"type": "reference_video", "frames": FRAMES, "strength": 1.0} in record.conditions
    assert len(frames) == FRAMES


def test_continuation_tail_frames_become_the_condition_at_frame_zero(ltx2_engine):
    tail = [np.asarray(picture(i)) for i in range(9)]
    seen: list[tuple] = []
    encoder = ltx2_engine._base.vae.encoder  # a real forward hook: what the pipeline actually encodes
    handle = encoder.register_forward_pre_hook(lambda m, args: seen.append(tuple(args[0].shape)))
    try:
        _result, frames, _ = run(ltx2_engine, request(continuation=Continuation(frames=tail)))
    finally:
        handle.remove()
    record = ltx2_engine.last_run
    assert record.pipeline == "LTX2ConditionPipeline"
    assert record.conditions[0] == {"type": "continuation", "latent_index": 0, "frames": 9, "strength": 1.0}
    assert (1, 3, 9, H, W) in seen  # the 9 tail frames went through LTX2VideoCondition into the VAE
    assert len(frames) == FRAMES


def test_continuation_overlap_must_be_on_the_frame_grid(ltx2_engine):
    with pytest.raises(ValueError, match="8k\\+1"):
        ltx2_engine.generate(request(continuation=Continuation(frames=[np.zeros((H, W, 3), np.uint8)] * 10)), lambda s, t: None)


def test_cancel_from_the_step_callback_stops_denoising(ltx2_engine):
    calls: list[int] = []
    forwards: list[int] = []
    hook = ltx2_engine._base.transformer.register_forward_hook(lambda *a: forwards.append(1))

    class Cancelled(Exception):
        pass

    def on_step(step: int, total: int) -> None:
        calls.append(step)
        if step == 2:
            raise Cancelled

    try:
        with pytest.raises(Cancelled):
            ltx2_engine.generate(request(steps=6), on_step)
    finally:
        hook.remove()
    assert calls == [1, 2]
    assert len(forwards) == 2  # cfg 1: one transformer pass per step, none after the cancel
    _result, frames, _ = run(ltx2_engine, request())  # the engine is usable afterwards
    assert len(frames) == FRAMES


def test_two_stage_upscale_runs_upsampler_and_progress_never_goes_back(ltx2_engine):
    result, frames, steps = run(ltx2_engine, request(upscale=True, steps=3))
    record = ltx2_engine.last_run
    assert record.stages == ["stage1 32x32", "LTX2LatentUpsamplePipeline x2", "stage2 64x64"]
    assert [s for s, _ in steps] == list(range(1, 7)) and {t for _, t in steps} == {6}  # 3 + 3 distilled sigmas
    assert len(frames) == FRAMES and frames[0].shape == (H, W, 3)
    assert result.audio.samples.shape[1] == round(FRAMES / FPS * 24000)


def test_requests_off_the_grid_are_refused_with_what_to_change(ltx2_engine):
    with pytest.raises(ValueError, match="8k\\+1"):
        ltx2_engine.generate(request(num_frames=20), lambda s, t: None)
    with pytest.raises(ValueError, match="multiple of 64"):
        ltx2_engine.generate(request(width=96, upscale=True), lambda s, t: None)
    with pytest.raises(ValueError, match="chain"):
        ltx2_engine.generate(request(num_frames=513), lambda s, t: None)


def test_weights_from_the_hub_cache_or_missing_say_what_to_do(tmp_path: Path):
    from milimo.engines.ltx2 import LTX2Engine
    from milimo.engines.protocols import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="download"):
        LTX2Engine("Lightricks/not-a-cached-repo", device="cpu").load()
    with pytest.raises(EngineUnavailable, match="not found"):
        LTX2Engine(tmp_path / "nothing-here", device="cpu").load()


def test_unload_frees_the_pipelines(tiny_models):
    from milimo.engines.ltx2 import LTX2Engine

    engine = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    engine.load()
    assert engine.describe()["loaded"]
    engine.unload()
    assert not engine.describe()["loaded"] and engine._pipes == {} and engine._upsample_pipe is None


def _tiny_lora(ltx2_dir: Path, target: Path, seed: int) -> Path:
    """A random (non-zero) LoRA for the tiny transformer, saved the way diffusers ships LTX-2 LoRAs."""
    import torch
    from diffusers import LTX2Pipeline, LTX2VideoTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    transformer = LTX2VideoTransformer3DModel.from_pretrained(ltx2_dir / "transformer")
    torch.manual_seed(seed)
    transformer.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights=False, target_modules=["to_q", "to_k", "to_v"]))
    LTX2Pipeline.save_lora_weights(target, transformer_lora_layers=get_peft_model_state_dict(transformer))
    return target / "pytorch_lora_weights.safetensors"


def test_loras_load_by_path_and_switch_with_the_pipeline(tiny_models, tmp_path: Path):
    pytest.importorskip("peft", reason="LoRAs need peft")
    from milimo.engines.ltx2 import LoraSpec, LTX2Engine

    camera = _tiny_lora(tiny_models["ltx2"], tmp_path / "camera", 1)
    ic = _tiny_lora(tiny_models["ltx2"], tmp_path / "ic", 2)
    distilled = _tiny_lora(tiny_models["ltx2"], tmp_path / "distilled", 3)
    loras = [
        LoraSpec(camera, 0.8, "camera", "dolly_in"),
        LoraSpec(ic, 1.0, "ic_lora", "pose"),
        LoraSpec(distilled, 1.0, "distilled", "stage_2_distilled"),
    ]
    engine = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64, loras=loras)
    plain = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    try:
        _, with_lora, _ = run(engine, request(seed=5))
        assert engine.last_run.adapters == [["dolly_in"]]
        _, without, _ = run(plain, request(seed=5))
        assert not np.array_equal(np.stack(with_lora), np.stack(without))
        run(engine, request(pipeline="ic_lora", seed=5))
        assert engine.last_run.adapters == [["dolly_in", "pose"]]
        run(engine, request(upscale=True, seed=5))  # the distilled LoRA refines stage 2 of the dev model only
        assert engine.last_run.adapters == [["dolly_in"], ["dolly_in", "stage_2_distilled"]]
        assert engine.describe()["loras"][0] == {"path": str(camera), "strength": 0.8, "kind": "camera"}
    finally:
        engine.unload()
        plain.unload()


def test_fp8_weight_storage_keeps_generating(tiny_models):
    import torch

    from milimo.engines.ltx2 import LTX2Engine

    engine = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64, fp8=True)
    try:
        engine.load()
        assert engine.describe()["fp8"]
        weight = engine._base.transformer.transformer_blocks[0].attn1.to_q.weight
        assert weight.dtype == torch.float8_e4m3fn  # stored in fp8, computed in the plan's dtype
        _, frames, _ = run(engine, request())
        assert len(frames) == FRAMES
    finally:
        engine.unload()


def test_engine_selection_builds_from_settings(tiny_models):
    from milimo.config import Settings
    from milimo.engines.ltx2 import LTX2Engine

    settings = Settings(data_dir=tiny_models["models_dir"].parent, device="cpu")
    engine = LTX2Engine.from_library(settings.models_dir, settings=settings)
    assert engine is not None and engine.device_preference == "cpu" and engine.variant == "dev"
    assert LTX2Engine.from_library(tiny_models["models_dir"] / "elsewhere", settings=settings) is None


def test_image_outside_the_clip_is_refused(ltx2_engine):
    with pytest.raises(ValueError, match="outside the clip"):
        ltx2_engine.generate(request(images=[ConditioningImage(picture(1), FRAMES)]), lambda s, t: None)


def test_engine_modules_import_without_torch():
    import subprocess
    import sys

    code = (
        "import sys; import milimo.engines.ltx2, milimo.engines.flux2, milimo.engines.gemma, milimo.engines.ollama, "
        "milimo.engines.library, milimo.engines.prompts; "
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers', 'huggingface_hub') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_frames_can_be_read_twice(ltx2_engine):
    result = ltx2_engine.generate(request(), lambda s, t: None)
    first, second = list(result.frames), list(result.frames)
    assert len(first) == len(second) == FRAMES and np.array_equal(np.stack(first), np.stack(second))
