"""LTX2Engine: one set of LTX-2 weights, several diffusers pipeline classes over the same modules.

LTX2Pipeline is loaded once and the other classes are built on the same module objects (no
second copy of the weights). Which class serves a request and its conditioning live in
`conditioning`, the two-stage upscale in `upscale`, LoRAs in `loras`; this module holds
residency, guidance and the generate() walk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from milimo.engines.ltx2.conditioning import (
    FRAME_STEP,
    MAX_SIZE,
    NATIVE_MAX_FRAMES,
    PIPELINE_CLASSES,
    PipelineName,
    RunRecord,
    check_request,
    choose_pipeline,
    pipeline_inputs,
)
from milimo.engines.ltx2.loras import LoraSpec, activate_adapters, load_loras, settings_loras
from milimo.engines.ltx2.upscale import GUIDANCE_OFF, load_upsampler, run_two_stage, stage_2_guidance
from milimo.engines.protocols import (
    AudioTrack,
    EngineUnavailable,
    StepCallback,
    VideoCapabilities,
    VideoRequest,
    VideoResult,
)
from milimo.engines.runtime import (
    DevicePlan,
    StepProgress,
    attach_offload,
    fp8_supported,
    free_accelerator_memory,
    generator_for,
    plan_device,
    quiet_loading,
    require_models_extra,
    resolve_hub_path,
)


class LTX2Engine:
    """VideoEngine for LTX-2 (diffusers). Call load() from one worker thread; generate() is serialised."""

    name = "ltx2"
    family = "ltx2"
    uses_accelerator = True

    def __init__(
        self,
        weights: str | Path,
        *,
        text_encoder: str | Path | None = None,
        upsampler: str | Path | None = None,
        loras: Sequence[LoraSpec] = (),
        variant: Literal["auto", "dev", "distilled"] = "auto",
        device: str = "auto",
        offload: Literal["none", "model", "sequential"] = "none",
        vae_tiling: bool = True,
        fp8: bool | Literal["auto"] = "auto",
        max_sequence_length: int = 1024,
    ) -> None:
        self.weights = weights
        self.text_encoder_path = Path(text_encoder) if text_encoder else None
        self.upsampler_path = Path(upsampler) if upsampler else None
        self.loras = tuple(loras)
        self.variant = variant if variant != "auto" else ("distilled" if "distill" in str(weights).lower() else "dev")
        self.device_preference = device
        self.offload = offload
        self.vae_tiling = vae_tiling
        self.fp8 = fp8
        self.max_sequence_length = max_sequence_length
        self.version = f"ltx2-{self.variant}"
        self.last_run = RunRecord()
        self._lock = threading.RLock()
        self._plan: DevicePlan | None = None
        self._root: Path | None = None
        self._base: Any = None
        self._pipes: dict[str, Any] = {}
        self._upsample_pipe: Any = None
        self._offload_owner: Any = None
        self._fp8_on = False
        self._legacy_2_0 = True

    @classmethod
    def from_library(cls, models_dir: Path | str, *, settings: Any = None, **options: Any) -> "LTX2Engine | None":
        """The engine for the LTX-2 weights found in the model library, or None when none are usable."""
        from milimo.engines.library import engine_files

        if settings is not None:
            options.setdefault("device", getattr(settings, "device", "auto"))
            options.setdefault("offload", getattr(settings, "ltx2_offload", "none"))
            options.setdefault("fp8", {"on": True, "off": False}.get(getattr(settings, "ltx2_fp8", "auto"), "auto"))
            if "loras" not in options:
                options["loras"] = settings_loras(getattr(settings, "ltx2_loras", ()), Path(models_dir))
        files = engine_files(models_dir, "ltx2")
        if files is None:
            return None
        loras = list(options.pop("loras", ()))
        if "ltx2-distilled-lora" in files["loras"] and files["variant"] == "dev":
            loras.append(LoraSpec(files["loras"]["ltx2-distilled-lora"], 1.0, "distilled", "stage_2_distilled"))
        return cls(files["weights"], text_encoder=files["text_encoder"], upsampler=files["upsampler"],
                   loras=loras, variant=files["variant"] or "auto", **options)

    # ------------------------------------------------------------------ capabilities
    @property
    def two_stage_available(self) -> bool:
        if self._upsample_pipe is not None:
            return True
        if self.upsampler_path is not None:
            return self.upsampler_path.exists()
        root = self._root or Path(str(self.weights))
        return (root / "latent_upsampler" / "config.json").is_file()

    @property
    def capabilities(self) -> VideoCapabilities:
        multiple = 64 if self.two_stage_available else 32
        return VideoCapabilities(
            native_max_frames=NATIVE_MAX_FRAMES, frame_step=FRAME_STEP, size_multiple=multiple, min_size=multiple,
            max_size=MAX_SIZE, accepts_images=True, accepts_keyframes=True, accepts_video=True,
            returns_audio=True, exposes_latents=False,  # continuation hands over tail frames, not latents
        )

    def describe(self) -> dict[str, Any]:
        plan = self._plan
        return {
            "engine": self.name, "variant": self.variant, "weights": str(self._root or self.weights),
            "text_encoder": str(self.text_encoder_path) if self.text_encoder_path else "bundled",
            "upsampler": str(self.upsampler_path) if self.upsampler_path else None,
            "two_stage": self.two_stage_available, "loaded": self._base is not None,
            "device": plan.device if plan else self.device_preference,
            "dtype": plan.describe()["dtype"] if plan else None,
            "vae_dtype": plan.describe()["vae_dtype"] if plan else None,
            "offload": self.offload, "vae_tiling": self.vae_tiling, "fp8": self._fp8_on,
            "loras": [{"path": str(l.path), "strength": l.strength, "kind": l.kind} for l in self.loras],
        }

    # ------------------------------------------------------------------ residency
    def load(self) -> None:
        with self._lock:
            if self._base is not None:
                return
            require_models_extra("torch", "diffusers", "transformers")
            with quiet_loading():
                self._load()

    def _load(self) -> None:
        import torch
        from diffusers import LTX2Pipeline

        self._plan = plan = plan_device(self.device_preference)
        root = self._root = resolve_hub_path(self.weights)
        if not (root / "model_index.json").is_file():
            raise EngineUnavailable(f"{root} is not a diffusers LTX-2 folder (no model_index.json)")
        overrides: dict[str, Any] = {}
        if not (root / "text_encoder" / "config.json").is_file():
            if self.text_encoder_path is None:
                raise EngineUnavailable("LTX-2 needs the Gemma 3 text encoder: download gemma3-12b")
            from transformers import AutoTokenizer, Gemma3ForConditionalGeneration

            te_root = resolve_hub_path(self.text_encoder_path)
            overrides["text_encoder"] = Gemma3ForConditionalGeneration.from_pretrained(te_root, dtype=plan.dtype)
            overrides["tokenizer"] = AutoTokenizer.from_pretrained(te_root)
        base = LTX2Pipeline.from_pretrained(root, dtype=plan.dtype, **overrides)
        base.set_progress_bar_config(disable=True)
        for part in ("vae", "audio_vae", "vocoder"):  # float32 decode on MPS
            module = getattr(base, part, None)
            if module is not None and plan.vae_dtype != plan.dtype:
                module.to(plan.vae_dtype)
        cfg = dict(base.transformer.config)
        self._legacy_2_0 = not (cfg.get("gated_attn") or cfg.get("cross_attn_mod"))
        load_loras(base, self.loras, self.variant)
        self._fp8_on = self.fp8 is True or (self.fp8 == "auto" and fp8_supported(plan.device) and _vram_gib(plan.device) < 48)
        if self._fp8_on:
            base.transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=plan.dtype)
        if self.vae_tiling:
            base.vae.enable_tiling()
        self._base = base
        self._pipes = {"t2v": base}
        self._upsample_pipe = load_upsampler(self.upsampler_path or root / "latent_upsampler", base.vae, plan)
        if self.offload == "none" or plan.kind == "cpu":
            base.to(plan.device)
            if self._upsample_pipe is not None:
                self._upsample_pipe.to(plan.device)

    def unload(self) -> None:
        with self._lock:
            for pipe in list(self._pipes.values()) + [self._upsample_pipe]:
                if pipe is not None and hasattr(pipe, "remove_all_hooks"):
                    pipe.remove_all_hooks()
            self._pipes.clear()
            self._base = None
            self._upsample_pipe = None
            self._offload_owner = None
            free_accelerator_memory()

    # ------------------------------------------------------------------ pipelines
    def _pipeline(self, kind: PipelineName) -> Any:
        """The pipeline of that class over the shared modules, built once."""
        pipe = self._pipes.get(kind)
        if pipe is None:
            import inspect

            import diffusers

            cls = getattr(diffusers, PIPELINE_CLASSES[kind])
            accepted = inspect.signature(cls.__init__).parameters
            pipe = cls(**{k: v for k, v in self._base.components.items() if k in accepted})
            pipe.set_progress_bar_config(disable=True)
            self._pipes[kind] = pipe
        return pipe

    def _prepare(self, pipe: Any) -> Any:
        self._offload_owner = attach_offload(pipe, self.offload, self._plan, self._offload_owner)
        return pipe

    def _activate_adapters(self, kind: PipelineName, stage: int) -> list[str]:
        return activate_adapters(self._base, self.loras, kind, stage, self.variant)

    # ------------------------------------------------------------------ generation
    def _guidance(self, request: VideoRequest, stage: int) -> dict[str, Any]:
        from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

        legacy = {"use_cross_timestep": not self._legacy_2_0}
        if stage == 2:
            return stage_2_guidance(not self._legacy_2_0)
        if self.variant == "distilled":
            s = list(DISTILLED_SIGMA_VALUES)
            return {**GUIDANCE_OFF, **legacy, "sigmas": s, "num_inference_steps": len(s)}
        if request.cfg <= 1.0:
            return {**GUIDANCE_OFF, **legacy, "num_inference_steps": request.steps}
        return {**legacy, "num_inference_steps": request.steps, "guidance_scale": float(request.cfg),
                "spatio_temporal_guidance_blocks": [29] if self._legacy_2_0 else [28]}

    def _stage_steps(self, request: VideoRequest, stage: int) -> int:
        return int(self._guidance(request, stage)["num_inference_steps"])

    def generate(self, request: VideoRequest, on_step: StepCallback) -> VideoResult:
        """Run the request; on_step(step, total) after each denoising step of every stage (it may raise to cancel)."""
        with self._lock:
            if self._base is None:
                self.load()
            two_stage = bool(request.upscale) and self._upsample_pipe is not None
            check_request(request, two_stage)
            kind = choose_pipeline(request)
            record = RunRecord(pipeline=PIPELINE_CLASSES[kind])
            if request.upscale and not two_stage:
                record.notes.append("upscale requested but no spatial upsampler is installed: one stage at full size")
            pipe = self._pipeline(kind)
            total = self._stage_steps(request, 1) + (self._stage_steps(request, 2) if two_stage else 0)
            progress = StepProgress(on_step, total)
            common = {
                "prompt": request.prompt, "negative_prompt": request.negative_prompt or None,
                "num_frames": request.num_frames, "frame_rate": float(request.fps),
                "generator": generator_for(request.seed, self._plan.device),
                "max_sequence_length": self.max_sequence_length,
                **pipeline_inputs(kind, request, record, self.loras),
            }
            self.last_run = record
            scheduler = pipe.scheduler
            try:
                if two_stage:
                    out = run_two_stage(self, pipe, kind, request, common, progress, record)
                else:
                    record.adapters.append(self._activate_adapters(kind, 1))
                    record.stages.append(f"one stage {request.width}x{request.height}")
                    out = self._prepare(pipe)(
                        **common, **self._guidance(request, 1), width=request.width, height=request.height,
                        output_type="pt", callback_on_step_end=progress.stage(0),
                    )
                video, audio = out.frames, out.audio
            finally:
                pipe.scheduler = scheduler
                if hasattr(pipe, "maybe_free_model_hooks"):
                    pipe.maybe_free_model_hooks()
            progress.finish()
            frames_u8 = (video[0].float().clamp(0, 1) * 255).round().to(dtype=_uint8()).permute(0, 2, 3, 1).cpu()
            del video, out
            track = self._audio_track(audio, request)
            if self._plan.kind != "cpu":
                free_accelerator_memory()
            return VideoResult(
                frames=_Frames(frames_u8), num_frames=int(frames_u8.shape[0]), width=int(frames_u8.shape[2]),
                height=int(frames_u8.shape[1]), fps=float(request.fps), audio=track, latents=None,
            )

    def _audio_track(self, audio: Any, request: VideoRequest) -> AudioTrack | None:
        """The joint audio at the vocoder's rate, cut or padded to exactly the clip's length."""
        if audio is None:
            return None
        rate = int(self._base.vocoder.config.output_sampling_rate)
        samples = audio[0].float().cpu().numpy().astype(np.float32)
        if samples.ndim == 1:
            samples = samples[None, :]
        n = round(request.num_frames / float(request.fps) * rate)
        if samples.shape[1] >= n:
            samples = samples[:, :n]
        else:
            samples = np.pad(samples, ((0, 0), (0, n - samples.shape[1])))
        return AudioTrack(np.clip(samples, -1.0, 1.0), rate)


def _uint8() -> Any:
    import torch

    return torch.uint8


class _Frames:
    """Re-iterable view of a (F, H, W, 3) uint8 CPU tensor: each pass yields numpy frames without copying."""

    def __init__(self, frames: Any) -> None:
        self._frames = frames

    def __len__(self) -> int:
        return int(self._frames.shape[0])

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self._frames[i].numpy()


def _vram_gib(device: str) -> float:
    import torch

    index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
    return torch.cuda.get_device_properties(index).total_memory / 2**30
