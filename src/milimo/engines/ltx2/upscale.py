"""Two-stage LTX-2 (the diffusers recipe): stage 1 at half size, the latent x2 upsampler, stage 2 at full size.

Stage 2 refines from the upsampled latents (and stage 1's audio latents) with the distilled
stage-2 sigmas, `noise_scale = sigmas[0]`, no guidance; on a dev model with the distilled LoRA on
and a scheduler without dynamic shifting. Progress runs over both stages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from milimo.engines.runtime import DevicePlan, StepProgress

if TYPE_CHECKING:
    from milimo.engines.ltx2.conditioning import PipelineName, RunRecord
    from milimo.engines.ltx2.engine import LTX2Engine
    from milimo.engines.protocols import VideoRequest

GUIDANCE_OFF = {
    "guidance_scale": 1.0,
    "audio_guidance_scale": 1.0,
    "stg_scale": 0.0,
    "audio_stg_scale": 0.0,
    "modality_scale": 1.0,
    "audio_modality_scale": 1.0,
}


def load_upsampler(path: Path, vae: Any, plan: DevicePlan) -> Any:
    """LTX2LatentUpsamplePipeline over the shared VAE, or None when no upsampler folder is there."""
    from diffusers import LTX2LatentUpsamplePipeline
    from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel

    if not (Path(path) / "config.json").is_file():
        return None
    model = LTX2LatentUpsamplerModel.from_pretrained(path, dtype=plan.dtype)
    pipe = LTX2LatentUpsamplePipeline(vae=vae, latent_upsampler=model)
    pipe.set_progress_bar_config(disable=True)  # type: ignore[attr-defined]  # inherited from DiffusionPipeline; diffusers' class lacks it in its types
    return pipe


def stage_2_guidance(use_cross_timestep: bool) -> dict[str, Any]:
    from diffusers.pipelines.ltx2.utils import STAGE_2_DISTILLED_SIGMA_VALUES

    s = list(STAGE_2_DISTILLED_SIGMA_VALUES)
    return {
        **GUIDANCE_OFF,
        "use_cross_timestep": use_cross_timestep,
        "sigmas": s,
        "num_inference_steps": len(s),
        "noise_scale": s[0],
    }


def run_two_stage(
    engine: "LTX2Engine",
    pipe: Any,
    kind: "PipelineName",
    request: "VideoRequest",
    common: dict[str, Any],
    progress: StepProgress,
    record: "RunRecord",
) -> Any:
    """Stage 1 → upsample → stage 2; returns stage 2's pipeline output (frames and audio).

    The caller restores `pipe.scheduler` afterwards (stage 2 of a dev model swaps it).
    """
    w, h = request.width, request.height
    record.adapters.append(engine._activate_adapters(kind, 1))
    record.stages.append(f"stage1 {w // 2}x{h // 2}")
    video_latents, audio_latents = engine._prepare(pipe)(
        **common,
        **engine._guidance(request, 1),
        width=w // 2,
        height=h // 2,
        output_type="latent",
        return_dict=False,
        callback_on_step_end=progress.stage(0),
    )
    record.stages.append("LTX2LatentUpsamplePipeline x2")
    upscaled = engine._prepare(engine._upsample_pipe)(latents=video_latents, output_type="latent", return_dict=False)[0]
    del video_latents
    record.adapters.append(engine._activate_adapters(kind, 2))
    record.stages.append(f"stage2 {w}x{h}")
    if engine.variant == "dev":
        from diffusers import FlowMatchEulerDiscreteScheduler

        pipe.scheduler = FlowMatchEulerDiscreteScheduler.from_config(
            pipe.scheduler.config, use_dynamic_shifting=False, shift_terminal=None
        )
    return engine._prepare(pipe)(
        **common,
        **engine._guidance(request, 2),
        width=w,
        height=h,
        latents=upscaled,
        audio_latents=audio_latents,
        output_type="pt",
        callback_on_step_end=progress.stage(engine._stage_steps(request, 1)),
    )
