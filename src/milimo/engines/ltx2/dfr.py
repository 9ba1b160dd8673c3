"""LTX-2.5 DFR: generation that keeps what "smooth motion ×2" needs, and the temporal refine itself.

`LTX2DFRTemporalRefinePipeline` refines a prior `LTX2DFRPipeline` pass: its (padded) canvas
latents, carry keyframes, the keyframe positions ("they cannot be re-derived", says its
docstring) and the frozen audio latents. A finished take has only pixels, so an LTX-2.5 take
that may be refined later is generated through `LTX2DFRPipeline` with `output_type="latent"`,
decoded here (trimmed to the request, as the pipeline's own decode does), and its pass is kept
beside the take as a safetensors sidecar (`DFRState`). The refine loads it, runs one temporal
round (canvas N -> 2(N-1)+1 at twice the fps) and decodes the frames that cover the request.

When a request goes through DFR (`dfr_unavailable` is None): LTX-2.5 (the transformer's
`use_keyframes_abs_pos_embedding`), distilled weights (a DFR pass takes no guidance: it is the
distilled recipe), a temporal latent upsampler in the library, no IC-LoRA reference video and
no two-stage upscale (DFR's own spatial recipe is a different composition).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from milimo.engines.ltx2.conditioning import FRAME_STEP, PipelineName

SIDECAR_SUFFIX = ".dfr.safetensors"
FORMAT = "milimo-ltx2-dfr/1"
TEMPORAL_ETA = 0.5  # diffusers' TEMPORAL_ANCESTRAL_ETA: the refine needs the stochastic step
MAX_REFINE_FPS = 60.0  # diffusers' MAX_CONDITIONING_FPS: past it the transformer is told 60 fps anyway


@dataclass
class DFRState:
    """One DFR pass, as the refine takes it: raw (denormalised) latents on the CPU, and the geometry."""

    latents: Any  # (1, C, T', h, w) padded canvas
    keyframes: Any  # (1, C, K, h, w) carry keyframes
    keyframe_positions: list[int]  # pixel frames of the keyframes on the canvas
    audio_latents: Any  # (1, C, L, mel) unpacked
    num_frames: int  # the request's frames (the canvas is padded past them)
    fps: float
    width: int
    height: int
    model_version: str
    engine_version: str

    def save(self, path: Path) -> None:
        from safetensors.torch import save_file

        tensors = {
            "latents": self.latents.contiguous().cpu(),
            "keyframes": self.keyframes.contiguous().cpu(),
            "audio_latents": self.audio_latents.contiguous().cpu(),
        }
        meta = {
            "format": FORMAT,
            "keyframe_positions": json.dumps([int(p) for p in self.keyframe_positions]),
            "num_frames": str(self.num_frames),
            "fps": repr(float(self.fps)),
            "width": str(self.width),
            "height": str(self.height),
            "model_version": self.model_version,
            "engine_version": self.engine_version,
        }
        tmp = path.with_name(path.name + ".part")
        save_file(tensors, str(tmp), metadata=meta)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> DFRState:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path.name} is not a DFR state this studio wrote (format {meta.get('format')!r})")
            t = {k: f.get_tensor(k) for k in ("latents", "keyframes", "audio_latents")}
        return cls(
            latents=t["latents"],
            keyframes=t["keyframes"],
            keyframe_positions=json.loads(meta["keyframe_positions"]),
            audio_latents=t["audio_latents"],
            num_frames=int(meta["num_frames"]),
            fps=float(meta["fps"]),
            width=int(meta["width"]),
            height=int(meta["height"]),
            model_version=meta["model_version"],
            engine_version=meta["engine_version"],
        )


def dfr_unavailable(engine: Any, kind: PipelineName, upscale: bool) -> str | None:
    """None when this request goes through LTX2DFRPipeline (and its take can be refined later); else why not."""
    if engine.model_version != "2.5":
        return f"DFR needs LTX-2.5 (the video model is LTX-{engine.model_version})"
    if engine.variant != "distilled":
        return "DFR is the distilled recipe (no guidance); the LTX-2.5 model in use is the dev one"
    if not engine.temporal_upsampler_available:
        return "the LTX-2.5 temporal upscaler (ltx25-temporal-upscaler) is not in the model library"
    if kind == "ic_lora":
        return "an IC-LoRA reference video is not a DFR input"
    if upscale:
        return "the two-stage upscale is not the DFR recipe"
    return None


def load_temporal_upsampler(path: Path, plan: Any) -> Any:
    from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel

    model = LTX2LatentUpsamplerModel.from_pretrained(path, dtype=plan.dtype)
    if not getattr(model.config, "temporal_upsample", False):
        raise ValueError(f"{path} is a spatial latent upsampler, not the temporal one")
    return model.to(plan.device)


def dfr_pipeline(base: Any) -> Any:
    from diffusers import LTX2DFRPipeline

    pipe = LTX2DFRPipeline(**{k: v for k, v in base.components.items() if k != "prompt_enhancer"})
    pipe.set_progress_bar_config(disable=True)  # type: ignore[attr-defined]  # inherited from DiffusionPipeline
    return pipe


def refine_pipeline(base: Any, upsampler: Any) -> Any:
    from diffusers import LTX2DFRTemporalRefinePipeline, LTXEulerAncestralRFScheduler

    c = base.components
    pipe = LTX2DFRTemporalRefinePipeline(
        scheduler=LTXEulerAncestralRFScheduler(eta=TEMPORAL_ETA),  # from_pretrained's flow-match one would lose the detail
        vae=c["vae"],
        audio_vae=c["audio_vae"],
        text_encoder=c["text_encoder"],
        tokenizer=c["tokenizer"],
        connectors=c["connectors"],
        transformer=c["transformer"],
        vocoder=c["vocoder"],
        temporal_latent_upsampler=upsampler,
    )
    pipe.set_progress_bar_config(disable=True)  # type: ignore[attr-defined]  # inherited from DiffusionPipeline
    return pipe


def decode_video(pipe: Any, latents: Any, num_frames: int) -> Any:
    """Raw canvas latents -> (F, 3, H, W) float frames in [0, 1] covering `num_frames` (the canvas pad trimmed),
    as the DFR pipelines' own decode does at decode_timestep 0."""
    import torch
    from diffusers.pipelines.ltx2.utils import trim_canvas

    vae = pipe.vae
    latents = trim_canvas(latents, num_frames, FRAME_STEP).to(device=pipe._execution_device, dtype=vae.dtype)
    timestep = (
        torch.zeros(latents.shape[0], device=latents.device, dtype=latents.dtype) if vae.config.timestep_conditioning else None
    )
    with torch.inference_mode():
        video = vae.decode(latents, timestep, return_dict=False)[0]
        video = pipe.video_processor.postprocess_video(video, output_type="pt")
    return video[0][:num_frames]


def decode_audio(pipe: Any, audio_latents: Any, seconds: float) -> Any:
    """Raw unpacked audio latents -> the vocoder's waveform (1, channels, n), cut to `seconds`."""
    import torch

    with torch.inference_mode():
        mel = pipe.audio_vae.decode(
            audio_latents.to(device=pipe._execution_device, dtype=pipe.audio_vae.dtype), return_dict=False
        )[0]
        audio = pipe.vocoder(mel)
    rate = int(pipe.vocoder.config.output_sampling_rate)
    return audio[..., : min(audio.shape[-1], round(seconds * rate))]
