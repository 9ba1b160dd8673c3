"""The two LTX-2.5 DFR runs of an LTX2Engine (`dfr` holds their pieces and says when a request takes them):
a generation whose pass is kept for "smooth motion ×2", and the temporal refine over a kept pass.
Both run under the engine's lock, with its weights loaded (the engine's methods see to both)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from milimo.engines.ltx2.conditioning import FRAME_STEP, RunRecord, pipeline_inputs
from milimo.engines.ltx2.dfr import DFRState, decode_audio, decode_video, dfr_pipeline, refine_pipeline
from milimo.engines.ltx2.output import frames_u8, video_result
from milimo.engines.protocols import EngineUnavailable, StepCallback, VideoRequest, VideoResult
from milimo.engines.runtime import StepProgress, free_accelerator_memory, generator_for, loaded_plan

if TYPE_CHECKING:
    from milimo.engines.ltx2.conditioning import PipelineName
    from milimo.engines.ltx2.engine import LTX2Engine


def generate_dfr(engine: LTX2Engine, request: VideoRequest, kind: PipelineName, on_step: StepCallback) -> VideoResult:
    """One LTX2DFRPipeline pass (latent out), decoded here; the pass rides along as `latents` (a DFRState)
    so the task can keep it beside the take for "smooth motion ×2"."""
    from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

    record = RunRecord(pipeline="LTX2DFRPipeline")
    engine.last_run = record
    pipe = engine._pipes.get("dfr")
    if pipe is None:
        pipe = engine._pipes["dfr"] = dfr_pipeline(engine._base)
    sigmas = list(DISTILLED_SIGMA_VALUES)
    progress = StepProgress(on_step, len(sigmas))
    inputs = pipeline_inputs("t2v" if kind == "t2v" else "condition", request, record, engine.loras)
    record.adapters.append(engine._activate_adapters("t2v", 1))
    record.stages.append(f"DFR pass {request.width}x{request.height} (state kept for smooth motion)")
    device = loaded_plan(engine._plan, engine.name).device
    prompt = engine._distilled_prompt_inputs(pipe, request.prompt, device)
    try:
        out = engine._prepare(pipe)(
            **prompt,
            **inputs,
            width=request.width,
            height=request.height,
            num_frames=request.num_frames,
            frame_rate=float(request.fps),
            generator=generator_for(request.seed, device),
            max_sequence_length=engine.max_sequence_length,
            sigmas=sigmas,
            use_cross_timestep=True,
            output_type="latent",
            callback_on_step_end=progress.stage(0),
        )
        video = decode_video(pipe, out.frames, request.num_frames)
        audio = decode_audio(pipe, out.audio, request.num_frames / float(request.fps))
    finally:
        if hasattr(pipe, "maybe_free_model_hooks"):
            pipe.maybe_free_model_hooks()
    progress.finish()
    state = DFRState(
        latents=out.frames.cpu(),
        keyframes=out.keyframes.cpu(),
        keyframe_positions=list(out.keyframe_positions),
        audio_latents=out.audio.cpu(),
        num_frames=request.num_frames,
        fps=float(request.fps),
        width=request.width,
        height=request.height,
        model_version=engine.model_version,
        engine_version=engine.version,
    )
    frames = frames_u8(video)
    del video, out
    return video_result(frames, float(request.fps), engine._audio_track(audio, request), latents=state)


def refine_motion(engine: LTX2Engine, state: Path, prompt: str, seed: int, on_step: StepCallback) -> VideoResult:
    """Smooth motion ×2: one LTX2DFRTemporalRefinePipeline round over the DFR pass kept at `state`.
    N frames at r fps come back as 2(N-1)+1 at 2r (the sound is the caller's: the take's own)."""
    from diffusers.pipelines.ltx2.utils import TEMPORAL_ROUND_DISTILLED_SIGMA_VALUES

    why = engine.refine_unavailable()
    if why:
        raise EngineUnavailable(why)
    dfr = DFRState.load(state)
    if dfr.model_version != engine.model_version or dfr.engine_version != engine.version:
        raise EngineUnavailable(f"the take's DFR state was made by {dfr.engine_version}; the video model now is {engine.version}")
    pipe = engine._pipes.get("refine")
    if pipe is None:
        pipe = engine._pipes["refine"] = refine_pipeline(engine._base, engine._temporal_upsampler)
    sigmas = list(TEMPORAL_ROUND_DISTILLED_SIGMA_VALUES)
    canvas = (int(dfr.latents.shape[2]) - 1) * FRAME_STEP + 1
    from diffusers.pipelines.ltx2.dfr_layout import temporal_tile_plan

    tiles = temporal_tile_plan([2 * p for p in dfr.keyframe_positions], 2 * (canvas - 1) + 1, 2, FRAME_STEP)
    progress = StepProgress(on_step, len(sigmas) * len(tiles))
    record = RunRecord(pipeline="LTX2DFRTemporalRefinePipeline", stages=[f"temporal refine x2, {len(tiles)} tiles"])
    engine.last_run = record
    device = loaded_plan(engine._plan, engine.name).device
    out_frames = 2 * (dfr.num_frames - 1) + 1
    text = engine._distilled_prompt_inputs(pipe, prompt or " ", device)
    try:
        out = engine._prepare(pipe)(
            **text,
            latents=dfr.latents,
            keyframes_latents=dfr.keyframes,
            keyframe_positions=dfr.keyframe_positions,
            audio_latents=dfr.audio_latents,
            height=dfr.height,
            width=dfr.width,
            num_frames=canvas,
            frame_rate=dfr.fps,
            source_seconds=dfr.num_frames / dfr.fps,
            condition_num_frames=dfr.num_frames,
            sigmas=sigmas,
            generator=generator_for(seed, device),
            max_sequence_length=engine.max_sequence_length,
            output_type="latent",
            callback_on_step_end=progress.stage(0),
        )
        video = decode_video(pipe, out.frames, out_frames)
    finally:
        if hasattr(pipe, "maybe_free_model_hooks"):
            pipe.maybe_free_model_hooks()
    progress.finish()
    frames = frames_u8(video)
    del video, out
    if loaded_plan(engine._plan, engine.name).kind != "cpu":
        free_accelerator_memory()
    return video_result(frames, 2 * dfr.fps)
