"""Loading LTX-2 weights and placing them on the device by the memory plan.

The Gemma text encoder of LTX-2.0/2.3 lives in its own library folder and is shared with the
Gemma prompt enhancer (runtime.shared_model): one copy in memory for both. LTX-2.5 bundles its
Gemma 4 encoder in the pipeline folder; the class follows the encoder's config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from milimo.engines.memory import MemoryPlan, ModelSize, free_vram, plan_memory, size_of_pipeline
from milimo.engines.protocols import EngineUnavailable
from milimo.engines.runtime import DevicePlan, fp8_supported, release_shared, resolve_hub_path, shared_key, shared_model

if TYPE_CHECKING:
    from milimo.engines.ltx2.engine import LTX2Engine

# Components a model_index.json may list that a download can leave out (LTX-2.5's prompt enhancer is not fetched).
OPTIONAL = ("processor", "prompt_enhancer", "duration_head")


def text_encoder_class(root: Path) -> Any:
    """Gemma 3 (LTX-2.0/2.3) or Gemma 4 (LTX-2.5), from the encoder's config.json."""
    import transformers

    try:
        model_type = json.loads((Path(root) / "config.json").read_text()).get("model_type", "gemma3")
    except (OSError, ValueError):
        model_type = "gemma3"
    names = {
        "gemma3": "Gemma3ForConditionalGeneration",
        "gemma4_unified": "Gemma4UnifiedForConditionalGeneration",
        "gemma4": "Gemma4ForConditionalGeneration",
    }
    if model_type not in names:
        raise EngineUnavailable(f"unsupported LTX-2 text encoder {model_type!r} in {root}")
    return getattr(transformers, names[model_type])


def load_text_encoder(te_root: Path, plan: DevicePlan) -> tuple[Any, tuple]:
    """The shared Gemma module for this folder and dtype (loaded once) and its key."""
    key = shared_key(te_root, plan.dtype)
    cls = text_encoder_class(te_root)
    return shared_model(key, lambda: cls.from_pretrained(te_root, dtype=plan.dtype).eval()), key


def load_base(engine: "LTX2Engine", root: Path, plan: DevicePlan) -> Any:
    """LTX2Pipeline from the folder, with the library's shared text encoder when the folder has none."""
    from diffusers import LTX2Pipeline
    from transformers import AutoTokenizer

    if not (root / "model_index.json").is_file():
        raise EngineUnavailable(f"{root} is not a diffusers LTX-2 folder (no model_index.json)")
    index = json.loads((root / "model_index.json").read_text())
    overrides: dict[str, Any] = {
        name: None
        for name in OPTIONAL
        if name in index and not (root / name).is_dir() and index[name] not in (None, [None, None])
    }
    if not (root / "text_encoder" / "config.json").is_file():
        if engine.text_encoder_path is None:
            raise EngineUnavailable("LTX-2 needs the Gemma 3 text encoder: download gemma3-12b")
        te_root = resolve_hub_path(engine.text_encoder_path)
        overrides["text_encoder"], engine._shared_key = load_text_encoder(te_root, plan)
        overrides["tokenizer"] = AutoTokenizer.from_pretrained(te_root)
    try:
        base = LTX2Pipeline.from_pretrained(root, dtype=plan.dtype, **overrides)
    except Exception:
        release_shared(engine._shared_key)
        engine._shared_key = None
        raise
    base.set_progress_bar_config(disable=True)
    for part in ("vae", "audio_vae", "vocoder"):  # float32 decode on MPS
        module = getattr(base, part, None)
        if module is not None and plan.vae_dtype != plan.dtype:
            module.to(plan.vae_dtype)
    return base


def plan_for(engine: "LTX2Engine", width: int = 768, height: int = 512, frames: int = 121) -> MemoryPlan:
    """The memory plan for this engine's weights on its device, now."""
    device = engine._plan.device if engine._plan else engine.device_preference
    if device == "auto":
        device = "cuda" if free_vram("cuda") is not None else "cpu"
    vram = free_vram(device) if device.startswith("cuda") else None
    root = engine._root or Path(str(engine.weights))
    if engine._base is not None and not (root / "transformer").is_dir():
        size = size_of_pipeline(engine._base)  # built from a pipeline in memory (bench/gpu_ltx2.py)
    else:
        size = ModelSize.from_folder(root, engine.text_encoder_path, engine.upsampler_path)
    if vram is not None and engine._base is not None:
        vram = (vram[0] + _resident_bytes(engine), vram[1])  # what the engine holds now would be freed first
    fp8 = {True: True, False: False}.get(engine.fp8)  # type: ignore[arg-type]
    return plan_memory(
        vram[0] if vram else None,
        size,
        fp8_capable=fp8_supported(device) if vram else False,
        fp8=fp8,
        override=engine.memory,
        width=width,
        height=height,
        frames=frames,
        on_gpu=vram is not None,
    )


def _resident_bytes(engine: "LTX2Engine") -> int:
    import torch

    return int(torch.cuda.memory_allocated()) if torch.cuda.is_available() else 0


def place(engine: "LTX2Engine", base: Any, plan: DevicePlan, memory: MemoryPlan) -> None:
    """Put the modules where the memory plan says (on the CPU everything stays on the CPU)."""
    import torch

    if engine.fp8 is True or (memory.fp8 and plan.kind == "cuda"):
        base.transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=plan.dtype)
        engine._fp8_on = True
    if engine.vae_tiling or memory.vae_tiling:
        base.vae.enable_tiling()
    upsampler = engine._upsample_pipe
    if plan.kind == "cpu" or memory.mode == "gpu":
        base.to(plan.device)
    elif memory.mode == "text_encoder_cpu":
        # Everything but the text encoder, one module at a time: moving the whole pipeline first would put
        # the 24 GB encoder on the GPU for a moment, the very peak this mode avoids. It encodes on the CPU.
        for name, module in base.components.items():
            if name != "text_encoder" and hasattr(module, "to") and hasattr(module, "parameters"):
                module.to(plan.device)
    elif memory.mode == "group_offload":
        # Leaf modules stream from pinned CPU memory on a side CUDA stream, overlapping the next layer's copy.
        base.enable_group_offload(
            onload_device=torch.device(plan.device),
            offload_device=torch.device("cpu"),
            offload_type="leaf_level",
            use_stream=True,
        )
    # model_offload / sequential_offload: runtime.attach_offload installs the hooks on the pipeline about to run.
    if upsampler is not None and (plan.kind == "cpu" or memory.mode in ("gpu", "text_encoder_cpu", "group_offload")):
        upsampler.latent_upsampler.to(plan.device)
