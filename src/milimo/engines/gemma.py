"""Gemma 3 in-process (transformers): prompt enhancement with or without an image, and chat for screenplays.

It loads the same folder LTX-2 uses as its text encoder (library entry gemma3-12b), with the
Gemma 3 processor so an image can ride along (image-to-video rules, reference-sheet detection).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from milimo.engines.prompts import kept, read_enhancement, system_prompt, user_message
from milimo.engines.protocols import EngineUnavailable, Enhancement
from milimo.engines.runtime import (
    DevicePlan,
    free_accelerator_memory,
    loaded_plan,
    plan_device,
    quiet_loading,
    release_shared,
    require_models_extra,
    resolve_hub_path,
    shared_key,
    shared_model,
)


class GemmaTextEngine:
    """TextEngine over Gemma3ForConditionalGeneration + its processor. Calls are serialised."""

    name = "gemma3"
    family = "gemma3"
    uses_accelerator = True

    def __init__(
        self,
        weights: str | Path,
        *,
        device: str = "auto",
        max_new_tokens: int = 512,
        temperature: float = 0.7,
        top_p: float = 0.95,
    ) -> None:
        self.weights = weights
        self.device_preference = device
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p
        self.version = Path(str(weights)).name or str(weights)
        self._lock = threading.RLock()
        self._plan: DevicePlan | None = None
        self._root: Path | None = None
        self._model: Any = None
        self._processor: Any = None
        self._vision = False
        self._shared_key: tuple | None = None
        self._shares_loaded_weights = False  # the last load() reused LTX-2's resident text encoder

    @classmethod
    def from_library(cls, models_dir: Path | str, *, settings: Any = None, **options: Any) -> "GemmaTextEngine | None":
        """The engine over the library's Gemma 3 folder (the one LTX-2 uses), or None when it is not downloaded."""
        from milimo.engines.library import resolve

        if settings is not None:
            options.setdefault("device", getattr(settings, "device", "auto"))

        path = resolve(models_dir, "gemma3-12b")
        return cls(path, **options) if path is not None else None

    def describe(self) -> dict[str, Any]:
        plan = self._plan
        return {
            "engine": self.name,
            "weights": str(self._root or self.weights),
            "loaded": self._model is not None,
            "device": plan.device if plan else self.device_preference,
            "dtype": plan.describe()["dtype"] if plan else None,
            "vision": self._vision,
            "shares_loaded_weights": self._shares_loaded_weights,
        }

    def weight_folders(self) -> set[str]:
        """The weight folders this engine loads: the ModelManager keeps it beside an engine that holds them all."""
        return {str(Path(resolve_hub_path(self.weights)).resolve())} if Path(str(self.weights)).exists() else set()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            require_models_extra("torch", "transformers")
            from transformers import AutoConfig, AutoProcessor, AutoTokenizer

            self._plan = plan = plan_device(self.device_preference)
            root = self._root = resolve_hub_path(self.weights)
            config = AutoConfig.from_pretrained(root)
            # Any: transformers types from_pretrained through a decorator that mypy reads as taking a model
            model_class: Any
            if config.model_type == "gemma3":
                from transformers import Gemma3ForConditionalGeneration

                model_class = Gemma3ForConditionalGeneration
            else:  # text-only Gemma 3 (1B) checkpoints
                from transformers import AutoModelForCausalLM

                model_class = AutoModelForCausalLM
            try:
                processor = AutoProcessor.from_pretrained(root)
            except (OSError, ValueError, TypeError):
                processor = AutoTokenizer.from_pretrained(root)
            self._vision = config.model_type == "gemma3" and hasattr(processor, "image_processor")
            if config.model_type == "gemma3":
                # The same object as LTX-2's text encoder when that engine holds this folder: no second copy.
                self._shared_key = key = shared_key(root, plan.dtype)
                fresh: list[Any] = []

                def build() -> Any:
                    with quiet_loading():
                        fresh.append(model_class.from_pretrained(root, dtype=plan.dtype).to(plan.device).eval())
                    return fresh[0]

                model = shared_model(key, build)
                self._shares_loaded_weights = not fresh
            else:
                with quiet_loading():
                    model = model_class.from_pretrained(root, dtype=plan.dtype).to(plan.device).eval()
            self._model = model
            self._processor = processor

    def unload(self) -> None:
        with self._lock:
            release_shared(self._shared_key)
            self._shared_key = None
            self._model = None
            self._processor = None
            free_accelerator_memory()

    def _generate(self, system: str, user: str, image: Image.Image | None, seed: int, max_new_tokens: int) -> str:
        import torch

        content: list[dict[str, Any]] = []
        if image is not None:
            content.append({"type": "image", "image": image.convert("RGB")})
        content.append({"type": "text", "text": user})
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": [{"type": "text", "text": system}]},
            {"role": "user", "content": content if self._vision else user},
        ]
        if not self._vision:
            messages[0]["content"] = system
        inputs = self._processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
        )
        plan = loaded_plan(self._plan, self.name)
        device = _input_device(self._model, plan.device)  # a shared encoder may sit on the CPU (text_encoder_cpu)
        inputs = {k: v.to(device) for k, v in inputs.items()}
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(plan.dtype)
        devices = [torch.device(plan.device)] if plan.kind == "cuda" else []
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(int(seed))
            out = self._model.generate(
                **inputs,
                max_new_tokens=int(max_new_tokens),
                do_sample=self.temperature > 0,
                temperature=self.temperature,
                top_p=self.top_p,
            )
        new_tokens = out[0, inputs["input_ids"].shape[1] :]
        return self._processor.decode(new_tokens, skip_special_tokens=True)

    def enhance(
        self,
        prompt: str,
        *,
        mode: Literal["video", "image"],
        image: Image.Image | None = None,
        duration_s: float = 5.0,
        seed: int = 42,
    ) -> Enhancement:
        """Rewrite the prompt; never raises: trouble gives the original prompt with a note."""
        try:
            with self._lock:
                if self._model is None:
                    self.load()
                use_image = image if self._vision else None
                reply = self._generate(
                    system_prompt(mode, duration_s, use_image is not None),
                    user_message(prompt),
                    use_image,
                    seed,
                    self.max_new_tokens,
                )
        except EngineUnavailable as exc:
            return kept(prompt, f"prompt enhancement skipped: {exc}")
        except Exception as exc:  # a model failure must not fail the generation that asked for it
            return kept(prompt, f"Gemma prompt enhancement failed ({type(exc).__name__}); the original prompt was kept")
        result = read_enhancement(reply, prompt, has_image=use_image is not None, source="Gemma")
        if image is not None and use_image is None and not result.note:
            result = Enhancement(result.prompt, False, "this Gemma checkpoint has no vision tower; enhanced from text only")
        return result

    def chat(self, system: str, user: str, *, max_new_tokens: int = 1024, seed: int = 42) -> str:
        """Free-form completion (screenplay analysis); raises EngineUnavailable when the model cannot answer."""
        try:
            with self._lock:
                if self._model is None:
                    self.load()
                return self._generate(system, user, None, seed, max_new_tokens)
        except EngineUnavailable:
            raise
        except Exception as exc:
            raise EngineUnavailable(f"Gemma could not answer: {type(exc).__name__}: {exc}") from exc


def _input_device(model: Any, planned: str) -> Any:
    """Where the inputs must go: the embedding's device (offload hooks move it themselves: keep the planned one)."""
    if getattr(model, "_hf_hook", None) is not None:
        return planned
    try:
        return model.get_input_embeddings().weight.device
    except Exception:
        return planned
