"""LTX-2 video + audio through diffusers: text-to-video, image-to-video, keyframes, IC-LoRA, two-stage upscale.

One set of weights, several pipeline classes: LTX2Pipeline is loaded once and the other classes
are built on the same module objects (no second copy of the weights). The request decides the
class (see `choose_pipeline`); the class that ran is recorded in `last_run`.

Two-stage (request.upscale with the spatial upsampler present): stage 1 at half size, the latent
x2 upsampler, stage 2 refines at full size with the distilled sigmas (and the distilled LoRA on a
dev model). Progress is normalised over both stages.

Chained continuation: the previous chunk's tail frames (8k+1 of them) become a multi-frame
condition at frame 0 of LTX2ConditionPipeline; the clip's first frames re-create them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from milimo.engines.protocols import (
    AudioTrack,
    ConditioningImage,
    EngineUnavailable,
    StepCallback,
    VideoCapabilities,
    VideoRequest,
    VideoResult,
)
from milimo.engines.runtime import (
    DevicePlan,
    attach_offload,
    StepProgress,
    fp8_supported,
    free_accelerator_memory,
    generator_for,
    plan_device,
    quiet_loading,
    require_models_extra,
    resolve_hub_path,
)

NATIVE_MAX_FRAMES = 505
FRAME_STEP = 8
MAX_SIZE = 2048  # positional embeddings are trained up to 2048 px per axis
PipelineName = Literal["t2v", "i2v", "condition", "ic_lora"]
PIPELINE_CLASSES = {
    "t2v": "LTX2Pipeline",
    "i2v": "LTX2ImageToVideoPipeline",
    "condition": "LTX2ConditionPipeline",
    "ic_lora": "LTX2InContextPipeline",
}
LoraKind = Literal["distilled", "ic_lora", "camera", "style"]


@dataclass(frozen=True)
class LoraSpec:
    """A LoRA file and its strength. distilled: stage 2 of a dev model; ic_lora: only with video conditioning."""

    path: Path
    strength: float = 1.0
    kind: LoraKind = "style"
    name: str = ""

    @property
    def adapter(self) -> str:
        return self.name or f"{self.kind}_{Path(self.path).stem}".replace(".", "_").replace("-", "_")


@dataclass
class RunRecord:
    """What the last generate() did: shown in logs and checked by tests."""

    pipeline: str = ""  # diffusers class name
    stages: list[str] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    adapters: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def latent_index(frame_index: int) -> int:
    """The latent frame that holds pixel frame `frame_index` (causal VAE: frame 0 alone, then blocks of 8)."""
    return (max(0, frame_index) + FRAME_STEP - 1) // FRAME_STEP


def choose_pipeline(request: VideoRequest) -> PipelineName:
    """Which diffusers pipeline serves a request (the reference's auto rules, plus continuation)."""
    if request.pipeline == "ic_lora" or request.videos:
        return "ic_lora"
    continuation = request.continuation is not None and len(request.continuation.frames) > 0
    images = list(request.images)
    if continuation or request.pipeline == "keyframe":
        return "condition"
    if not images:
        return "t2v"
    if len(images) == 1 and images[0].frame_index == 0 and images[0].strength >= 1.0:
        return "i2v"
    return "condition"


def read_video_frames(path: Path, max_frames: int) -> np.ndarray:
    """Up to max_frames RGB frames (F, H, W, 3) uint8 from a video file, trimmed to 8k+1."""
    import av

    frames = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) >= max_frames:
                break
    if not frames:
        raise ValueError(f"no video frames in {path.name}")
    keep = (len(frames) - 1) // FRAME_STEP * FRAME_STEP + 1
    return np.stack(frames[:keep])


def settings_loras(entries: Sequence[str], models_dir: Path) -> list[LoraSpec]:
    """LoRAs from settings ("path[:strength[:kind]]"); relative paths are inside the models folder.

    A missing file raises EngineUnavailable, so GET /engines says which entry to fix.
    """
    from milimo.config import parse_lora

    specs = []
    for text in entries:
        path, strength, kind = parse_lora(text)
        p = Path(path).expanduser()
        p = p if p.is_absolute() else Path(models_dir) / p
        if not p.is_file():
            raise EngineUnavailable(f"LoRA file not found: {p} (MILIMO_LTX2_LORAS entry {text!r})")
        specs.append(LoraSpec(p, strength, kind))  # type: ignore[arg-type]
    return specs


def _reference_downscale(path: Path) -> int:
    """IC-LoRA files store the reference video's downscale factor in their safetensors metadata."""
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            return int((f.metadata() or {}).get("reference_downscale_factor", 1))
    except Exception:
        return 1


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
        self._load_loras(base)
        self._fp8_on = self.fp8 is True or (self.fp8 == "auto" and fp8_supported(plan.device) and _vram_gib(plan.device) < 48)
        if self._fp8_on:
            base.transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=plan.dtype)
        if self.vae_tiling:
            base.vae.enable_tiling()
        self._base = base
        self._pipes = {"t2v": base}
        self._upsample_pipe = self._load_upsampler(root, plan)
        if self.offload == "none" or plan.kind == "cpu":
            base.to(plan.device)
            if self._upsample_pipe is not None:
                self._upsample_pipe.to(plan.device)

    def _load_upsampler(self, root: Path, plan: DevicePlan) -> Any:
        from diffusers import LTX2LatentUpsamplePipeline
        from diffusers.pipelines.ltx2.latent_upsampler import LTX2LatentUpsamplerModel

        path = self.upsampler_path or root / "latent_upsampler"
        if not (Path(path) / "config.json").is_file():
            return None
        model = LTX2LatentUpsamplerModel.from_pretrained(path, dtype=plan.dtype)
        pipe = LTX2LatentUpsamplePipeline(vae=self._base.vae, latent_upsampler=model)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def _load_loras(self, base: Any) -> None:
        wanted = [l for l in self.loras if not (l.kind == "distilled" and self.variant == "distilled")]
        if not wanted:
            return
        try:
            import peft  # noqa: F401  (diffusers loads LoRAs through PEFT)
        except ImportError as exc:
            raise EngineUnavailable("LoRAs need the `peft` package; pip install peft") from exc
        for lora in wanted:
            if not Path(lora.path).is_file():
                raise EngineUnavailable(f"LoRA file not found: {lora.path}")
            base.load_lora_weights(str(lora.path), adapter_name=lora.adapter)

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
        active = [l for l in self.loras if l.kind in ("camera", "style")
                  or (l.kind == "ic_lora" and kind == "ic_lora")
                  or (l.kind == "distilled" and stage == 2 and self.variant == "dev")]
        if not self.loras or not getattr(self._base.transformer, "peft_config", None):
            return []
        if active:
            self._base.enable_lora()
            self._base.set_adapters([l.adapter for l in active], [l.strength for l in active])
        else:
            self._base.disable_lora()
        return [l.adapter for l in active]

    # ------------------------------------------------------------------ generation
    def _check(self, request: VideoRequest, two_stage: bool) -> None:
        multiple = 64 if two_stage else 32
        if request.num_frames < 1 or (request.num_frames - 1) % FRAME_STEP:
            raise ValueError(f"LTX-2 frame counts are 8k+1 (e.g. 97, 121); got {request.num_frames}")
        if request.num_frames > NATIVE_MAX_FRAMES:
            raise ValueError(f"LTX-2 makes at most {NATIVE_MAX_FRAMES} frames per call; chain longer shots")
        for label, v in (("width", request.width), ("height", request.height)):
            if v % multiple or not multiple <= v <= MAX_SIZE:
                raise ValueError(f"{label} must be a multiple of {multiple} between {multiple} and {MAX_SIZE}; got {v}")
        for img in request.images:
            if not 0 <= img.frame_index < request.num_frames:
                raise ValueError(f"conditioning image at frame {img.frame_index} is outside the clip (0..{request.num_frames - 1})")
        frames = request.continuation.frames if request.continuation else ()
        if frames and (len(frames) - 1) % FRAME_STEP:
            raise ValueError(f"continuation overlap must be 8k+1 frames (e.g. 25); got {len(frames)}")

    def _conditions(self, request: VideoRequest, record: RunRecord) -> list[Any]:
        from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

        conditions = []
        tail = request.continuation.frames if request.continuation else ()
        if tail:
            arr = np.stack([np.asarray(f, dtype=np.uint8)[..., :3] for f in tail])
            conditions.append(LTX2VideoCondition(frames=arr, index=0, strength=1.0))
            record.conditions.append({"type": "continuation", "latent_index": 0, "frames": len(arr), "strength": 1.0})
        for img in request.images:
            idx = latent_index(img.frame_index)
            if tail and idx == 0:
                record.notes.append("image at frame 0 replaced by the continuation frames")
                continue
            conditions.append(LTX2VideoCondition(frames=img.image.convert("RGB"), index=idx, strength=float(img.strength)))
            record.conditions.append({"type": "image", "frame_index": img.frame_index, "latent_index": idx, "strength": img.strength})
        return conditions

    def _inputs(self, kind: PipelineName, request: VideoRequest, record: RunRecord) -> dict[str, Any]:
        """The conditioning arguments of the chosen pipeline class."""
        if kind == "t2v":
            return {}
        if kind == "i2v":
            image: ConditioningImage = request.images[0]
            record.conditions.append({"type": "image", "frame_index": 0, "latent_index": 0, "strength": 1.0})
            return {"image": image.image.convert("RGB")}
        inputs: dict[str, Any] = {"conditions": self._conditions(request, record) or None}
        if kind == "ic_lora":
            from diffusers.pipelines.ltx2.pipeline_ltx2_ic_lora import LTX2ReferenceCondition

            refs = []
            for video in request.videos:
                frames = read_video_frames(Path(video.path), request.num_frames)
                refs.append(LTX2ReferenceCondition(frames=frames, strength=float(video.strength)))
                record.conditions.append({"type": "reference_video", "frames": len(frames), "strength": video.strength})
            inputs["reference_conditions"] = refs or None
            factors = {_reference_downscale(Path(l.path)) for l in self.loras if l.kind == "ic_lora"}
            inputs["reference_downscale_factor"] = max(factors) if factors else 1
        return inputs

    def _guidance(self, request: VideoRequest, stage: int) -> dict[str, Any]:
        from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES, STAGE_2_DISTILLED_SIGMA_VALUES

        off = {"guidance_scale": 1.0, "audio_guidance_scale": 1.0, "stg_scale": 0.0, "audio_stg_scale": 0.0,
               "modality_scale": 1.0, "audio_modality_scale": 1.0}
        legacy = {"use_cross_timestep": not self._legacy_2_0}
        if stage == 2:
            s = list(STAGE_2_DISTILLED_SIGMA_VALUES)
            return {**off, **legacy, "sigmas": s, "num_inference_steps": len(s), "noise_scale": s[0]}
        if self.variant == "distilled":
            s = list(DISTILLED_SIGMA_VALUES)
            return {**off, **legacy, "sigmas": s, "num_inference_steps": len(s)}
        if request.cfg <= 1.0:
            return {**off, **legacy, "num_inference_steps": request.steps}
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
            self._check(request, two_stage)
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
                **self._inputs(kind, request, record),
            }
            self.last_run = record
            scheduler = pipe.scheduler
            try:
                if two_stage:
                    record.adapters.append(self._activate_adapters(kind, 1))
                    record.stages.append(f"stage1 {request.width // 2}x{request.height // 2}")
                    video_latents, audio_latents = self._prepare(pipe)(
                        **common, **self._guidance(request, 1), width=request.width // 2, height=request.height // 2,
                        output_type="latent", return_dict=False, callback_on_step_end=progress.stage(0),
                    )
                    record.stages.append("LTX2LatentUpsamplePipeline x2")
                    upscaled = self._prepare(self._upsample_pipe)(latents=video_latents, output_type="latent", return_dict=False)[0]
                    del video_latents
                    record.adapters.append(self._activate_adapters(kind, 2))
                    record.stages.append(f"stage2 {request.width}x{request.height}")
                    if self.variant == "dev":
                        from diffusers import FlowMatchEulerDiscreteScheduler

                        pipe.scheduler = FlowMatchEulerDiscreteScheduler.from_config(
                            scheduler.config, use_dynamic_shifting=False, shift_terminal=None)
                    out = self._prepare(pipe)(
                        **common, **self._guidance(request, 2), width=request.width, height=request.height,
                        latents=upscaled, audio_latents=audio_latents, output_type="pt",
                        callback_on_step_end=progress.stage(self._stage_steps(request, 1)),
                    )
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
