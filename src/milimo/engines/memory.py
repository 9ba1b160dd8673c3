"""The memory plan: how a video model's weights sit on the GPU, chosen from the free VRAM and the model's size.

Modes, fastest first (each is tried without, then with fp8 weight storage where the GPU has fp8):

| mode | what stays on the GPU | peak (estimate) |
|---|---|---|
| `gpu` | everything | transformer + text encoder + rest + working set |
| `text_encoder_cpu` | all but the text encoder, which runs on the CPU | transformer + rest + working set |
| `model_offload` | one component at a time (diffusers model CPU offload) | max(text encoder, transformer + working set, rest + working set) |
| `group_offload` | layers streamed from pinned CPU memory on a CUDA stream | 3 layers of each model + rest + working set |
| `sequential_offload` | one leaf module at a time (slowest) | working set + 1 GiB |

The working set is the denoiser's activations for the clip (tokens × width × layers of saved
tensors × the guidance batch) plus the VAE decode, which VAE tiling caps. These are estimates
from the weights on disk, meant to pick a mode and to tell the user; `bench/gpu_ltx2.py`
measures the real peaks. Nothing here imports torch.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GiB = 1024**3
MODES = ("gpu", "text_encoder_cpu", "model_offload", "group_offload", "sequential_offload")
OVERRIDES = ("auto", *MODES)
RESERVE = 0.9  # use at most 90 % of the free VRAM: the allocator fragments and CUDA needs its context
DECODE_BYTES_PER_PIXEL = 48  # LTX-2 VAE decode without tiling (feature maps of the last up-blocks)
TILED_DECODE_BYTES = 1 * GiB


def _folder_bytes(folder: Path) -> int:
    total = 0
    if folder.is_dir():
        for dirpath, _, files in os.walk(folder):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files if f.endswith((".safetensors", ".bin")))
    return total


@dataclass(frozen=True)
class ModelSize:
    """Bytes of weights per part, as stored (bf16 for the released checkpoints)."""

    transformer: int
    text_encoder: int
    rest: int  # VAE, audio VAE, vocoder, connectors, upsampler
    layers: int = 48  # transformer blocks: group offload keeps a few of them on the GPU
    inner_dim: int = 4096

    @property
    def total(self) -> int:
        return self.transformer + self.text_encoder + self.rest

    @classmethod
    def from_folder(cls, root: Path, text_encoder: Path | None = None, upsampler: Path | None = None) -> "ModelSize":
        """From a diffusers LTX-2 folder (and the shared text encoder folder when it is not bundled)."""
        import json

        root = Path(root)
        te = _folder_bytes(root / "text_encoder") or (_folder_bytes(Path(text_encoder)) if text_encoder else 0)
        rest = sum(_folder_bytes(root / p) for p in ("vae", "audio_vae", "vocoder", "connectors", "latent_upsampler"))
        if upsampler is not None and not (root / "latent_upsampler").is_dir():
            rest += _folder_bytes(Path(upsampler))
        try:
            cfg = json.loads((root / "transformer" / "config.json").read_text())
        except (OSError, ValueError):
            cfg = {}
        inner = int(cfg.get("num_attention_heads", 32)) * int(cfg.get("attention_head_dim", 128))
        return cls(_folder_bytes(root / "transformer"), te, rest, int(cfg.get("num_layers", 48)), inner)


def _module_bytes(module: Any) -> int:
    if module is None or not hasattr(module, "parameters"):
        return 0
    return sum(p.numel() * p.element_size() for p in module.parameters())


def size_of_pipeline(pipe: Any) -> ModelSize:
    """From a loaded LTX2Pipeline's modules (an engine built from a pipeline has no folder to measure)."""
    t = pipe.transformer
    rest = sum(_module_bytes(getattr(pipe, n, None)) for n in ("vae", "audio_vae", "vocoder", "connectors"))
    cfg = t.config
    return ModelSize(
        _module_bytes(t),
        _module_bytes(pipe.text_encoder),
        rest,
        int(cfg.get("num_layers", 48)),
        int(cfg.get("num_attention_heads", 32)) * int(cfg.get("attention_head_dim", 128)),
    )


def working_set(size: ModelSize, width: int, height: int, frames: int, *, guidance_batch: int = 2) -> int:
    """Activation bytes while denoising: tokens × inner width × ~8 live tensors (hidden, q/k/v, 4× FFN) × bf16 × batch + 1 GiB."""
    tokens = ((frames - 1) // 8 + 1) * (height // 32) * (width // 32)
    return tokens * size.inner_dim * 2 * 8 * guidance_batch + GiB


def decode_bytes(width: int, height: int, frames: int, tiling: bool) -> int:
    return TILED_DECODE_BYTES if tiling else width * height * frames * DECODE_BYTES_PER_PIXEL


def peak_bytes(mode: str, size: ModelSize, *, fp8: bool, work: int, decode: int) -> int:
    """Expected GPU peak of a mode (see the module table)."""
    t = size.transformer // 2 if fp8 else size.transformer
    e, rest = size.text_encoder, size.rest
    if mode == "gpu":
        return t + e + rest + max(work, decode)
    if mode == "text_encoder_cpu":
        return t + rest + max(work, decode)
    if mode == "model_offload":
        return max(e, t + work, rest + decode)
    if mode == "group_offload":
        per_layer = t // max(1, size.layers) + e // 48
        return 3 * per_layer + rest + max(work, decode)
    if mode == "sequential_offload":
        return max(work, decode) + GiB
    raise ValueError(f"unknown memory mode {mode!r}; use one of {', '.join(OVERRIDES)}")


@dataclass(frozen=True)
class MemoryPlan:
    mode: str  # one of MODES, or "cpu" when there is no GPU
    fp8: bool
    vae_tiling: bool
    peak_bytes: int  # expected GPU peak (0 on the CPU)
    free_bytes: int | None  # free VRAM when planned (None: unknown / CPU)
    reason: str
    considered: list[dict[str, Any]] = field(default_factory=list)  # every option tried, with its peak and fit

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["peak_gib"] = round(self.peak_bytes / GiB, 1)
        d["free_gib"] = round(self.free_bytes / GiB, 1) if self.free_bytes is not None else None
        return d


def plan_memory(
    free_bytes: int | None,
    size: ModelSize,
    *,
    fp8_capable: bool = False,
    fp8: bool | None = None,
    override: str = "auto",
    width: int = 768,
    height: int = 512,
    frames: int = 121,
    on_gpu: bool = True,
) -> MemoryPlan:
    """The fastest mode whose expected peak fits in 90 % of `free_bytes`, or the override.

    `fp8=None` lets the planner use fp8 weight storage when the GPU supports it and it is needed to
    fit; True/False force it (True only where supported). A clip larger than 768×512×121 gets VAE
    tiling whenever the untiled decode would not fit beside the weights.
    """
    if override not in OVERRIDES:
        raise ValueError(f"unknown memory mode {override!r}; use one of {', '.join(OVERRIDES)}")
    if not on_gpu:
        if override != "auto":  # kept so the mode's code path (e.g. encoding apart) runs; placement is moot
            return MemoryPlan(override, bool(fp8), False, 0, None, f"configured memory mode {override} (no GPU: all on the CPU)")
        return MemoryPlan("cpu", False, False, 0, None, "no GPU: everything runs on the CPU")
    work = working_set(size, width, height, frames)
    fp8_options = [False, True] if fp8 is None else [bool(fp8)]
    fp8_options = [f for f in fp8_options if not f or fp8_capable] or [False]
    budget = int(free_bytes * RESERVE) if free_bytes is not None else None
    considered: list[dict[str, Any]] = []
    modes = MODES if override == "auto" else (override,)
    for mode in modes:
        for use_fp8 in fp8_options:
            for tiling in (False, True):
                peak = peak_bytes(mode, size, fp8=use_fp8, work=work, decode=decode_bytes(width, height, frames, tiling))
                fits = budget is None or peak <= budget
                considered.append(
                    {"mode": mode, "fp8": use_fp8, "vae_tiling": tiling, "peak_gib": round(peak / GiB, 1), "fits": fits}
                )
                if fits or override != "auto":
                    if override != "auto":
                        why = f"configured memory mode {mode}" + ("" if fits else " (expected peak exceeds free VRAM)")
                    elif mode == "gpu" and not use_fp8 and not tiling:
                        why = "everything fits on the GPU"
                    else:
                        why = f"the fastest mode that fits {round((budget or 0) / GiB, 1)} GiB usable"
                    return MemoryPlan(mode, use_fp8, tiling, peak, free_bytes, why, considered)
    peak = considered[-1]["peak_gib"]
    return MemoryPlan(
        "sequential_offload",
        fp8_options[-1],
        True,
        int(peak * GiB),
        free_bytes,
        "nothing fits the free VRAM; sequential offload is the smallest (expect out-of-memory)",
        considered,
    )


def free_vram(device: str) -> tuple[int, int] | None:
    """(free, total) bytes of a CUDA device, or None without CUDA."""
    try:
        import torch
    except ImportError:
        return None
    if not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
    free, total = torch.cuda.mem_get_info(index)
    return int(free), int(total)


# Released bf16 sizes, for models not downloaded yet (doctor's advice): 19B / 22B transformers, Gemma 12B encoders.
RELEASED = {
    "2.0": ModelSize(transformer=38 * 10**9, text_encoder=24 * 10**9, rest=3 * 10**9),
    "2.3": ModelSize(transformer=44 * 10**9, text_encoder=24 * 10**9, rest=3 * 10**9),
    "2.5": ModelSize(transformer=44 * 10**9, text_encoder=24 * 10**9, rest=3 * 10**9),
}
