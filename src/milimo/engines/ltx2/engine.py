"""LTX2Engine: one set of LTX-2 weights, several diffusers pipeline classes over the same modules.

LTX2Pipeline is loaded once and the other classes are built on the same module objects (no
second copy of the weights). Which class serves a request and its conditioning live in
`conditioning`, the two-stage upscale in `upscale`, LoRAs in `loras`, weights placement in
`residency`, the LTX-2.5 DFR runs in `dfr_run`, the duration head in `duration`, frames and
audio out in `output`; this module holds the engine's state, guidance and the generate() walk.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from milimo.engines.ltx2 import dfr_run, duration
from milimo.engines.ltx2.conditioning import (
    FRAME_STEP,
    PIPELINE_CLASSES,
    PipelineName,
    RunRecord,
    check_request,
    choose_pipeline,
    pipeline_inputs,
)
from milimo.engines.ltx2.dfr import (
    MAX_REFINE_FPS,
    dfr_unavailable,
    load_temporal_upsampler,
)
from milimo.engines.ltx2.loras import LoraSpec, activate_adapters, check_lora_versions, load_loras, settings_loras
from milimo.engines.ltx2.output import audio_track, frames_u8, video_result
from milimo.engines.ltx2.residency import load_base, place, plan_for, release_shared
from milimo.engines.ltx2.upscale import GUIDANCE_OFF, load_upsampler, run_two_stage, stage_2_guidance
from milimo.engines.ltx2.versions import GUIDANCE, FrameRules, detect_version, folder_version, version_label
from milimo.engines.memory import MemoryPlan
from milimo.engines.protocols import (
    AudioTrack,
    StepCallback,
    VideoCapabilities,
    VideoRequest,
    VideoResult,
)
from milimo.engines.runtime import (
    DevicePlan,
    StepProgress,
    attach_offload,
    free_accelerator_memory,
    generator_for,
    loaded_plan,
    plan_device,
    quiet_loading,
    require_models_extra,
    resolve_hub_path,
)

# The rates a project can have in the studio (and the broadcast ones an import brings).
FRAME_RATES = (12, 15, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60)


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
        temporal_upsampler: str | Path | None = None,
        loras: Sequence[LoraSpec] = (),
        variant: Literal["auto", "dev", "distilled"] = "auto",
        device: str = "auto",
        offload: Literal["none", "model", "sequential"] = "none",
        memory: str = "auto",
        vae_tiling: bool = True,
        fp8: bool | Literal["auto"] = "auto",
        max_sequence_length: int = 1024,
        model_id: str = "",
        selected_because: str = "",
    ) -> None:
        self.weights = weights
        self.text_encoder_path = Path(text_encoder) if text_encoder else None
        self.upsampler_path = Path(upsampler) if upsampler else None
        self.temporal_upsampler_path = Path(temporal_upsampler) if temporal_upsampler else None
        self.loras = tuple(loras)
        self.variant = variant if variant != "auto" else ("distilled" if "distill" in str(weights).lower() else "dev")
        self.device_preference = device
        self.offload = offload
        # The older ltx2_offload setting names two of the memory modes; an explicit memory mode wins.
        self.memory = memory if memory != "auto" or offload == "none" else f"{offload}_offload"
        self.vae_tiling = vae_tiling
        self.fp8 = fp8
        self.max_sequence_length = max_sequence_length
        self.model_id = model_id
        self.selected_because = selected_because
        # The version is read from the transformer config (authoritative); a hub id is resolved at load().
        self.model_version = folder_version(Path(str(weights))) or "2.0"
        self.version = version_label(self.model_version, self.variant)
        check_lora_versions(self.loras, self.model_version)
        self.last_run = RunRecord()
        self._lock = threading.RLock()
        self._plan: DevicePlan | None = None
        self._memory_plan: MemoryPlan | None = None
        self._rules = FrameRules.from_folder(Path(str(weights)))
        self._root: Path | None = None
        self._base: Any = None
        self._pipes: dict[str, Any] = {}
        self._upsample_pipe: Any = None
        self._temporal_upsampler: Any = None
        self._offload_owner: Any = None
        self._shared_key: tuple | None = None
        self._fp8_on = False
        self._legacy_2_0 = self.model_version == "2.0"

    @classmethod
    def from_library(cls, models_dir: Path | str, *, settings: Any = None, **options: Any) -> "LTX2Engine | None":
        """The engine for the LTX-2 weights found in the model library, or None when none are usable.

        The newest complete model wins unless `model` (setting `ltx2_model`) names a library id; its
        upsampler and LoRAs are the ones made for its version.
        """
        from milimo.engines.library import engine_files

        if settings is not None:
            options.setdefault("device", getattr(settings, "device", "auto"))
            options.setdefault("offload", getattr(settings, "ltx2_offload", "none"))
            options.setdefault("memory", getattr(settings, "ltx2_memory", "auto"))
            options.setdefault("model", getattr(settings, "ltx2_model", "auto"))
            options.setdefault("fp8", {"on": True, "off": False}.get(getattr(settings, "ltx2_fp8", "auto"), "auto"))
            if "loras" not in options:
                options["loras"] = settings_loras(getattr(settings, "ltx2_loras", ()), Path(models_dir))
        files = engine_files(models_dir, "ltx2", options.pop("model", "auto"))
        if files is None:
            return None
        loras = list(options.pop("loras", ()))
        for lora_id, path in files["loras"].items():
            if lora_id.endswith("distilled-lora") and files["variant"] == "dev":
                loras.append(LoraSpec(path, 1.0, "distilled", "stage_2_distilled", made_for=files["version"]))
        why = files["why"] + (f"; also complete: {', '.join(files['others'])}" if files["others"] else "")
        return cls(
            files["weights"],
            text_encoder=files["text_encoder"],
            upsampler=files["upsampler"],
            temporal_upsampler=files.get("temporal_upsampler"),
            loras=loras,
            variant=files["variant"] or "auto",
            model_id=files["model_id"],
            selected_because=why,
            **options,
        )

    @classmethod
    def from_pipeline(
        cls,
        pipe: Any,
        *,
        variant: Literal["dev", "distilled"] = "distilled",
        device: str = "auto",
        memory: str = "auto",
        max_sequence_length: int = 1024,
        name: str = "in-memory",
    ) -> "LTX2Engine":
        """An engine over an LTX2Pipeline already in memory (no folder): placed by the memory plan like a loaded one.

        The GPU benchmark builds real-geometry models with random weights this way, in seconds.
        """
        engine = cls(
            name,
            variant=variant,
            device=device,
            memory=memory,
            max_sequence_length=max_sequence_length,
            vae_tiling=False,
            model_id=name,
        )
        with engine._lock:
            engine._plan = plan = plan_device(device)
            engine._rules = FrameRules.from_configs(
                dict(pipe.transformer.config), dict(pipe.vae.config), dict(pipe.audio_vae.config)
            )
            engine.model_version = detect_version(dict(pipe.transformer.config))
            engine.version = version_label(engine.model_version, variant)
            engine._legacy_2_0 = engine.model_version == "2.0"
            pipe.set_progress_bar_config(disable=True)
            engine._base, engine._pipes = pipe, {"t2v": pipe}
            engine._memory_plan = memory_plan = engine.memory_plan()
            place(engine, pipe, plan, memory_plan)
        return engine

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
    def temporal_upsampler_available(self) -> bool:
        if self._temporal_upsampler is not None:
            return True
        return self.temporal_upsampler_path is not None and (self.temporal_upsampler_path / "config.json").is_file()

    max_refine_fps = MAX_REFINE_FPS

    def refine_unavailable(self) -> str | None:
        """None when "smooth motion ×2" can run on this engine (LTX-2.5 with its temporal upscaler); else why not."""
        if self.model_version != "2.5":
            return f"the video model is LTX-{self.model_version}; the temporal refine is LTX-2.5's"
        if not self.temporal_upsampler_available:
            return "the LTX-2.5 temporal upscaler (ltx25-temporal-upscaler) is not in the model library"
        return None

    def max_frames(self, fps: float) -> int:
        """The longest clip one call makes at `fps` (positional limit of this model's config)."""
        return self._rules.max_frames(fps)

    @property
    def capabilities(self) -> VideoCapabilities:
        multiple = self._rules.size_multiple(self.two_stage_available)
        return VideoCapabilities(
            native_max_frames=self.max_frames(24.0),
            frame_step=FRAME_STEP,
            size_multiple=multiple,
            min_size=multiple,
            max_size=self._rules.max_size,
            accepts_images=True,
            accepts_keyframes=True,
            accepts_video=True,
            returns_audio=True,
            exposes_latents=False,  # continuation hands over tail frames, not latents
        )

    def memory_plan(self, width: int = 768, height: int = 512, frames: int = 121) -> MemoryPlan:
        """The plan load() uses (or would use now): from the free VRAM and the weights on disk."""
        return plan_for(self, width, height, frames)

    def describe(self) -> dict[str, Any]:
        plan = self._plan
        memory = self._memory_plan or self.memory_plan()
        return {
            "engine": self.name,
            "model_id": self.model_id,
            "model_version": self.model_version,
            "variant": self.variant,
            "selected_because": self.selected_because,
            "weights": str(self._root or self.weights),
            "text_encoder": str(self.text_encoder_path) if self.text_encoder_path else "bundled",
            "upsampler": str(self.upsampler_path) if self.upsampler_path else None,
            "two_stage": self.two_stage_available,
            "temporal_upsampler": str(self.temporal_upsampler_path) if self.temporal_upsampler_path else None,
            # what "smooth motion ×2" uses: "ready" (LTX-2.5's DFR temporal refine) or why not (the draft one then)
            "smooth_motion": self.refine_unavailable() or "ready",
            "loaded": self._base is not None,
            "device": plan.device if plan else self.device_preference,
            "dtype": plan.describe()["dtype"] if plan else None,
            "vae_dtype": plan.describe()["vae_dtype"] if plan else None,
            "offload": self.offload,
            "vae_tiling": self.vae_tiling,
            "fp8": self._fp8_on,
            "memory": {**memory.as_dict(), "planned": self._memory_plan is None},
            "frame_limits": {
                "max_seconds": self._rules.max_seconds,
                "max_size": self._rules.max_size,
                # Per rate (keys as "%g": "24", "23.976"): the web app's hint chains at the shot's own rate.
                "max_frames": {f"{f:g}": self.max_frames(f) for f in FRAME_RATES},
            },
            "guidance_defaults": None if self.variant == "distilled" else GUIDANCE[self.model_version].as_dict(),
            "duration_predictor": self.has_duration_predictor,
            "loras": [{"path": str(l.path), "strength": l.strength, "kind": l.kind} for l in self.loras],
        }

    def weight_folders(self) -> set[str]:
        """The weight folders this engine loads (the ModelManager keeps an engine that needs no others beside it)."""
        paths = [Path(str(self.weights)), self.text_encoder_path, self.upsampler_path, self.temporal_upsampler_path]
        return {str(p.resolve()) for p in paths if p is not None and p.exists()}

    @property
    def has_duration_predictor(self) -> bool:
        if self._base is not None:
            return getattr(self._base, "duration_head", None) is not None
        root = self._root or Path(str(self.weights))
        return (root / "duration_head" / "config.json").is_file()

    # ------------------------------------------------------------------ residency
    def load(self) -> None:
        with self._lock:
            if self._base is not None:
                return
            require_models_extra("torch", "diffusers", "transformers")
            with quiet_loading():
                self._load()

    def _load(self) -> None:
        self._plan = plan = plan_device(self.device_preference)
        root = self._root = resolve_hub_path(self.weights)
        self._rules = FrameRules.from_folder(root)
        base = load_base(self, root, plan)
        # The config is authoritative: a folder named "ltx2-dev" holding 2.3 weights runs as 2.3.
        self.model_version = detect_version(dict(base.transformer.config))
        self.version = version_label(self.model_version, self.variant)
        self._legacy_2_0 = self.model_version == "2.0"
        try:
            check_lora_versions(self.loras, self.model_version)
            load_loras(base, self.loras, self.variant)
        except Exception:
            self._release(base)
            raise
        self._base = base
        self._pipes = {"t2v": base}
        self._upsample_pipe = load_upsampler(self.upsampler_path or root / "latent_upsampler", base.vae, plan)
        if self.model_version == "2.5" and self.temporal_upsampler_available:
            self._temporal_upsampler = load_temporal_upsampler(self.temporal_upsampler_path, plan)  # type: ignore[arg-type]
        self._memory_plan = memory = self.memory_plan()
        place(self, base, plan, memory)

    def _release(self, base: Any) -> None:
        release_shared(self._shared_key)
        self._shared_key = None
        del base

    def unload(self) -> None:
        with self._lock:
            for pipe in list(self._pipes.values()) + [self._upsample_pipe]:
                if pipe is not None and hasattr(pipe, "remove_all_hooks"):
                    pipe.remove_all_hooks()
            self._pipes.clear()
            self._base = None
            self._upsample_pipe = None
            self._temporal_upsampler = None
            self._offload_owner = None
            self._memory_plan = None
            self._fp8_on = False
            release_shared(self._shared_key)
            self._shared_key = None
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
        mode = self._memory_plan.mode if self._memory_plan else "gpu"
        hooks = {"model_offload": "model", "sequential_offload": "sequential"}.get(mode, "none")
        self._offload_owner = attach_offload(pipe, hooks, loaded_plan(self._plan, self.name), self._offload_owner)
        return pipe

    def _prompt_inputs(self, pipe: Any, request: VideoRequest) -> dict[str, Any]:
        """The prompt as text, or (text encoder on the CPU) as embeddings encoded there and moved to the device."""
        negative = request.negative_prompt or None
        if not (self._memory_plan and self._memory_plan.mode == "text_encoder_cpu"):
            return {"prompt": request.prompt, "negative_prompt": negative}
        g = self._guidance(request, 1)
        cfg = g.get("guidance_scale", 3.0) > 1.0 or g.get("audio_guidance_scale", 7.0) > 1.0
        pe, pm, ne, nm = pipe.encode_prompt(
            prompt=request.prompt,
            negative_prompt=negative,
            do_classifier_free_guidance=cfg,
            max_sequence_length=self.max_sequence_length,
            device="cpu",
        )
        dev = loaded_plan(self._plan, self.name).device
        out = {"prompt_embeds": pe.to(dev), "prompt_attention_mask": pm.to(dev)}
        if cfg:
            out |= {"negative_prompt_embeds": ne.to(dev), "negative_prompt_attention_mask": nm.to(dev)}
        self.last_run.notes.append("prompt encoded on the CPU (memory mode text_encoder_cpu)")
        return out

    def _distilled_prompt_inputs(self, pipe: Any, prompt: str, device: Any) -> dict[str, Any]:
        """The DFR pipelines' prompt (distilled: no negative): text, or embeddings encoded where the encoder stays (RAM)."""
        if not (self._memory_plan and self._memory_plan.mode == "text_encoder_cpu"):
            return {"prompt": prompt}
        pe, pm = pipe.encode_prompt(prompt=prompt, max_sequence_length=self.max_sequence_length, device="cpu")
        return {"prompt_embeds": pe.to(device), "prompt_attention_mask": pm.to(device)}

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
        return {
            **legacy,
            "num_inference_steps": request.steps,
            "guidance_scale": float(request.cfg),
            "spatio_temporal_guidance_blocks": list(GUIDANCE[self.model_version].stg_blocks),
        }

    def _stage_steps(self, request: VideoRequest, stage: int) -> int:
        return int(self._guidance(request, stage)["num_inference_steps"])

    def generate(self, request: VideoRequest, on_step: StepCallback) -> VideoResult:
        """Run the request; on_step(step, total) after each denoising step of every stage (it may raise to cancel)."""
        with self._lock:
            if self._base is None:
                self.load()
            two_stage = bool(request.upscale) and self._upsample_pipe is not None
            check_request(
                request,
                two_stage,
                self.max_frames(float(request.fps)),
                self._rules.size_multiple(two_stage),
                self._rules.max_size,
            )
            kind = choose_pipeline(request)
            if dfr_unavailable(self, kind, bool(request.upscale)) is None:
                return dfr_run.generate_dfr(self, request, kind, on_step)
            record = RunRecord(pipeline=PIPELINE_CLASSES[kind])
            if request.upscale and not two_stage:
                record.notes.append("upscale requested but no spatial upsampler is installed: one stage at full size")
            pipe = self._pipeline(kind)
            total = self._stage_steps(request, 1) + (self._stage_steps(request, 2) if two_stage else 0)
            progress = StepProgress(on_step, total)
            self.last_run = record
            common = {
                **self._prompt_inputs(pipe, request),
                "num_frames": request.num_frames,
                "frame_rate": float(request.fps),
                "generator": generator_for(request.seed, loaded_plan(self._plan, self.name).device),
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
                        **common,
                        **self._guidance(request, 1),
                        width=request.width,
                        height=request.height,
                        output_type="pt",
                        callback_on_step_end=progress.stage(0),
                    )
                video, audio = out.frames, out.audio
            finally:
                pipe.scheduler = scheduler
                if hasattr(pipe, "maybe_free_model_hooks"):
                    pipe.maybe_free_model_hooks()
            progress.finish()
            frames = frames_u8(video[0])
            del video, out
            track = self._audio_track(audio, request)
            if loaded_plan(self._plan, self.name).kind != "cpu":
                free_accelerator_memory()
            return video_result(frames, float(request.fps), track)

    def refine_motion(self, state: Path, prompt: str, seed: int, on_step: StepCallback) -> VideoResult:
        """Smooth motion ×2 over the DFR pass kept beside a take (`dfr_run.refine_motion`)."""
        with self._lock:
            if self._base is None:
                self.load()
            return dfr_run.refine_motion(self, state, prompt, seed, on_step)

    def propose_frames(
        self, prompt: str, fps: float = 24.0, *, min_seconds: float = 1.0, max_seconds: float | None = None
    ) -> int | None:
        """LTX-2.5's duration head: the shot length the prompt implies, or None without one (`duration`)."""
        with self._lock:
            if self._base is None:
                self.load()
            return duration.propose_frames(self, prompt, fps, min_seconds, max_seconds)

    def _audio_track(self, audio: Any, request: VideoRequest) -> AudioTrack | None:
        if audio is None:
            return None
        rate = int(self._base.vocoder.config.output_sampling_rate)
        return audio_track(audio, rate, request.num_frames, float(request.fps))
