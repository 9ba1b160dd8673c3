"""FLUX.2 [klein] through diffusers: text-to-image with reference images (ImageEngine), and inpainting (InpaintEngine).

Flux2KleinPipeline and Flux2KleinInpaintPipeline share one set of modules. Klein's distilled
checkpoints skip classifier-free guidance; `true_cfg` forces the second (negative) pass on them.
The negative prompt is honoured whenever a guided pass runs (the pipeline itself always uses an
empty negative, so the engine encodes the user's negative prompt and hands in the embeddings).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from milimo.engines.masking import binary, composite_inside
from milimo.engines.protocols import EngineUnavailable, ImageCapabilities, ImageRequest, InpaintRequest, StepCallback
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

SIZE_MULTIPLE = 16  # VAE x8 and 2x2 patches
TRUE_CFG_DEFAULT_SCALE = 2.0  # used when true CFG is asked for with guidance <= 1


class Flux2KleinEngine:
    """ImageEngine for FLUX.2 [klein] 4B / 9B. Call load() from one worker thread; calls are serialised."""

    name = "flux2-klein"
    family = "flux2"
    uses_accelerator = True

    def __init__(
        self,
        weights: str | Path,
        *,
        device: str = "auto",
        offload: Literal["none", "model", "sequential"] = "none",
        max_references: int = 4,
        max_sequence_length: int = 512,
    ) -> None:
        self.weights = weights
        self.device_preference = device
        self.offload = offload
        self.max_references = max_references
        self.max_sequence_length = max_sequence_length
        self.version = Path(str(weights)).name or str(weights)
        self.capabilities = ImageCapabilities(
            size_multiple=SIZE_MULTIPLE,
            min_size=64,
            max_size=2048,
            max_references=max_references,
            supports_negative_prompt=True,
            supports_true_cfg=True,
        )
        self.last_pipeline = ""
        self._lock = threading.RLock()
        self._plan: DevicePlan | None = None
        self._root: Path | None = None
        self._pipe: Any = None
        self._inpaint: Any = None
        self._offload_owner: Any = None

    @classmethod
    def from_library(cls, models_dir: Path | str, *, settings: Any = None, **options: Any) -> "Flux2KleinEngine | None":
        """The engine for the first FLUX.2 [klein] in the model library (4B before 9B), or None."""
        from milimo.engines.library import find_weights

        if settings is not None:
            options.setdefault("device", getattr(settings, "device", "auto"))

        path = find_weights(models_dir, "flux2-klein")
        return cls(path, **options) if path is not None else None

    # ------------------------------------------------------------------ residency
    def describe(self) -> dict[str, Any]:
        plan = self._plan
        return {
            "engine": self.name,
            "weights": str(self._root or self.weights),
            "loaded": self._pipe is not None,
            "device": plan.device if plan else self.device_preference,
            "dtype": plan.describe()["dtype"] if plan else None,
            "vae_dtype": plan.describe()["vae_dtype"] if plan else None,
            "offload": self.offload,
            "distilled": bool(self._pipe.config.is_distilled) if self._pipe is not None else None,
        }

    def load(self) -> None:
        with self._lock:
            if self._pipe is not None:
                return
            require_models_extra("torch", "diffusers", "transformers")
            from diffusers import Flux2KleinPipeline

            self._plan = plan = plan_device(self.device_preference)
            root = self._root = resolve_hub_path(self.weights)
            if not (root / "model_index.json").is_file():
                raise EngineUnavailable(f"{root} is not a diffusers FLUX.2 [klein] folder (no model_index.json)")
            with quiet_loading():
                pipe = Flux2KleinPipeline.from_pretrained(root, dtype=plan.dtype)
            pipe.set_progress_bar_config(disable=True)
            if plan.vae_dtype != plan.dtype:
                pipe.vae.to(plan.vae_dtype)
            if self.offload == "none" or plan.kind == "cpu":
                pipe.to(plan.device)
            self._pipe = pipe

    def unload(self) -> None:
        with self._lock:
            for pipe in (self._pipe, self._inpaint):
                if pipe is not None:
                    pipe.remove_all_hooks()
            self._pipe = self._inpaint = self._offload_owner = None
            free_accelerator_memory()

    def _prepare(self, pipe: Any) -> Any:
        self._offload_owner = attach_offload(pipe, self.offload, loaded_plan(self._plan, self.name), self._offload_owner)
        return pipe

    def _inpaint_pipe(self) -> Any:
        if self._inpaint is None:
            from diffusers import Flux2KleinInpaintPipeline

            self._inpaint = Flux2KleinInpaintPipeline(**self._pipe.components)
            self._inpaint.set_progress_bar_config(disable=True)
        return self._inpaint

    # ------------------------------------------------------------------ guidance
    @contextlib.contextmanager
    def _guided(self, pipe: Any, force: bool) -> Iterator[None]:
        """A distilled checkpoint runs its guided pass only when true CFG is forced."""
        distilled = bool(pipe.config.is_distilled)
        if force and distilled:
            pipe.register_to_config(is_distilled=False)
        try:
            yield
        finally:
            if force and distilled:
                pipe.register_to_config(is_distilled=True)

    def _guidance_args(self, pipe: Any, negative_prompt: str, guidance: float, true_cfg: bool) -> tuple[dict[str, Any], bool]:
        distilled = bool(pipe.config.is_distilled)
        scale = guidance if guidance > 1.0 else (TRUE_CFG_DEFAULT_SCALE if true_cfg else guidance)
        guided = scale > 1.0 and (not distilled or true_cfg)
        args: dict[str, Any] = {"guidance_scale": float(scale) if guided else 1.0}
        if guided:
            negative, _ = pipe.encode_prompt(
                prompt=negative_prompt or "",
                device=pipe._execution_device,
                num_images_per_prompt=1,
                max_sequence_length=self.max_sequence_length,
            )
            args["negative_prompt_embeds"] = negative
        return args, guided and distilled

    def _check_size(self, width: int, height: int) -> None:
        c = self.capabilities
        for label, v in (("width", width), ("height", height)):
            if v % c.size_multiple or not c.min_size <= v <= c.max_size:
                raise ValueError(
                    f"{label} must be a multiple of {c.size_multiple} between {c.min_size} and {c.max_size}; got {v}"
                )

    # ------------------------------------------------------------------ ImageEngine
    def generate(self, request: ImageRequest, on_step: StepCallback) -> Image.Image:
        """Text-to-image, conditioned on up to max_references reference images."""
        with self._lock:
            if self._pipe is None:
                self.load()
            self._check_size(request.width, request.height)
            pipe = self._pipe
            refs = [r.convert("RGB") for r in list(request.references)[: self.max_references]] or None
            guidance, force = self._guidance_args(pipe, request.negative_prompt, request.guidance, request.true_cfg)
            progress = StepProgress(on_step, request.steps)
            self.last_pipeline = type(pipe).__name__
            with self._guided(pipe, force):
                out = self._prepare(pipe)(
                    prompt=request.prompt,
                    image=refs,
                    width=request.width,
                    height=request.height,
                    num_inference_steps=int(request.steps),
                    generator=generator_for(request.seed, loaded_plan(self._plan, self.name).device),
                    max_sequence_length=self.max_sequence_length,
                    output_type="pil",
                    callback_on_step_end=progress.stage(0),
                    **guidance,
                )
            progress.finish()
            return out.images[0]

    def inpaint(self, request: InpaintRequest, on_step: StepCallback) -> Image.Image:
        """InpaintEngine: repaint the white part of the mask; pixels outside it come back from the image unchanged.

        The image is snapped to the 16-pixel grid for the model and the result is resized back,
        then composited over the original with a feather that stays inside the mask (so VAE
        round-trip loss never touches the area the user did not select).
        """
        with self._lock:
            if self._pipe is None:
                self.load()
            original = request.image.convert("RGB")
            w0, h0 = original.size
            hard = binary(request.mask, (w0, h0))
            m = Image.fromarray(hard.astype("uint8") * 255)
            c = self.capabilities
            w = max(c.min_size, min(c.max_size, round(w0 / SIZE_MULTIPLE) * SIZE_MULTIPLE))
            h = max(c.min_size, min(c.max_size, round(h0 / SIZE_MULTIPLE) * SIZE_MULTIPLE))
            pipe = self._inpaint_pipe()
            guidance_args, force = self._guidance_args(pipe, request.negative_prompt, request.guidance, request.true_cfg)
            steps, strength = int(request.steps), float(request.strength)
            progress = StepProgress(on_step, max(1, min(int(steps * strength), steps)))
            self.last_pipeline = type(pipe).__name__
            refs = [r.convert("RGB") for r in list(request.references)[: self.max_references]] or None

            def callback(p: Any, i: int, t: Any, kw: dict) -> dict:
                progress.total = max(1, int(getattr(p, "_num_timesteps", progress.total)))
                progress.advance(i + 1)
                return kw

            with self._guided(pipe, force):
                out = self._prepare(pipe)(
                    prompt=request.prompt,
                    image=original.resize((w, h), Image.Resampling.LANCZOS),
                    mask_image=m.resize((w, h), Image.Resampling.NEAREST),
                    image_reference=refs,
                    width=w,
                    height=h,
                    strength=strength,
                    num_inference_steps=steps,
                    generator=generator_for(request.seed, loaded_plan(self._plan, self.name).device),
                    max_sequence_length=self.max_sequence_length,
                    output_type="pil",
                    callback_on_step_end=callback,
                    **guidance_args,
                )
            progress.finish()
            result = out.images[0].convert("RGB").resize((w0, h0), Image.Resampling.LANCZOS)
            return composite_inside(result, original, hard, request.feather_px)
