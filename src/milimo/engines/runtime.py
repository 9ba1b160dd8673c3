"""What the real (torch) engines share: device and dtype policy, freeing memory, step progress.

torch is imported inside the functions: importing this module costs nothing, so the studio
runs without the [models] extra.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from milimo.engines.protocols import EngineUnavailable, StepCallback


def require_models_extra(*modules: str) -> None:
    """Raise EngineUnavailable (with the fix) when torch/diffusers/transformers are not installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise EngineUnavailable(f"{', '.join(missing)} not installed; install the model stack with `pip install -e '.[models]'`")


@dataclass(frozen=True)
class DevicePlan:
    """Where and in which precision an engine runs. `vae_dtype` differs on MPS (float32 decode)."""

    device: str  # "cuda", "cuda:1", "mps", "cpu"
    dtype: Any  # torch.dtype for transformer and text encoder
    vae_dtype: Any  # torch.dtype for the VAE(s)

    @property
    def kind(self) -> str:
        return self.device.split(":", 1)[0]

    def describe(self) -> dict[str, str]:
        return {
            "device": self.device,
            "dtype": str(self.dtype).removeprefix("torch."),
            "vae_dtype": str(self.vae_dtype).removeprefix("torch."),
        }


def loaded_plan(plan: DevicePlan | None, engine: str) -> DevicePlan:
    """An engine's device plan, made by load(); generating before load is a programming error."""
    if plan is None:
        raise RuntimeError(f"{engine} is not loaded")
    return plan


def plan_device(preference: str = "auto") -> DevicePlan:
    """CUDA → bfloat16 (float16 where bf16 is missing); MPS → bfloat16 with a float32 VAE; CPU → float32."""
    import torch

    device = preference
    if preference == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    kind = device.split(":", 1)[0]
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise EngineUnavailable(f"device {device!r} requested but CUDA is not available")
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return DevicePlan(device, dtype, dtype)
    if kind == "mps":
        return DevicePlan(device, torch.bfloat16, torch.float32)
    if kind == "cpu":
        return DevicePlan("cpu", torch.float32, torch.float32)
    raise EngineUnavailable(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps")


def fp8_supported(device: str) -> bool:
    """fp8 weight storage pays off on GPUs with native fp8 (compute capability 8.9+: Ada, Hopper, Blackwell)."""
    import torch

    if not device.startswith("cuda") or not torch.cuda.is_available():
        return False
    index = int(device.split(":", 1)[1]) if ":" in device else torch.cuda.current_device()
    return torch.cuda.get_device_capability(index) >= (8, 9)


def free_accelerator_memory() -> None:
    """gc, then give cached blocks back to the driver (CUDA and MPS)."""
    gc.collect()
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    mps = getattr(torch, "mps", None)
    if mps is not None and getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        mps.empty_cache()


def attach_offload(pipe: Any, offload: str, plan: DevicePlan, owner: Any) -> Any:
    """CPU offload hooks follow the pipeline about to run (pipelines share their modules).
    Returns the pipeline that now owns the hooks; keep it and pass it back next time."""
    if offload != "none" and plan.kind != "cpu" and owner is not pipe:
        if offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=plan.device)
        else:
            pipe.enable_model_cpu_offload(device=plan.device)
        return pipe
    return owner


def generator_for(seed: int, device: str) -> Any:
    """A torch.Generator seeded on the device that samples the noise (CPU for MPS: its generator is not reproducible)."""
    import torch

    gen_device = "cpu" if device.startswith("mps") else device
    return torch.Generator(gen_device).manual_seed(int(seed) % (2**63))


class StepProgress:
    """Turns diffusers' per-stage callback_on_step_end into on_step(step, total) over all stages.

    `total` is the sum of every stage's steps, so progress never goes backwards across stage 1
    and stage 2. When on_step raises (cancellation) the exception leaves the pipeline call as is.
    """

    def __init__(self, on_step: StepCallback, total: int) -> None:
        self.on_step = on_step
        self.total = max(1, int(total))
        self.done = 0

    def stage(self, offset: int) -> Callable[[Any, int, Any, dict], dict]:
        """callback_on_step_end for a stage whose first step is overall step offset+1."""

        def callback(pipe: Any, i: int, t: Any, kwargs: dict) -> dict:
            self.advance(offset + i + 1)
            return kwargs

        return callback

    def advance(self, step: int) -> None:
        step = min(max(step, self.done), self.total)
        if step > self.done:
            self.done = step
            self.on_step(step, self.total)

    def finish(self) -> None:
        self.advance(self.total)


def resolve_hub_path(weights: str | Path, allow_patterns: list[str] | None = None) -> Path:
    """A local folder as is; a Hugging Face repo id through the local hub cache (never the network)."""
    p = Path(weights).expanduser()
    if p.exists():
        return p.resolve()
    text = str(weights)
    if text.count("/") != 1 or text.startswith((".", "/", "~")):
        raise EngineUnavailable(f"weights not found at {text}")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(text, local_files_only=True, allow_patterns=allow_patterns))
    except Exception as exc:  # not cached, partially cached, hub not installed
        raise EngineUnavailable(
            f"{text} is not in the local Hugging Face cache ({type(exc).__name__}); download it first (`milimo models download`)"
        ) from exc


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """No "Loading weights" progress bars on stderr while weights load (the job reports progress)."""
    import diffusers.utils.logging as dlog
    import transformers.utils.logging as tlog

    was = (dlog.is_progress_bar_enabled(), tlog.is_progress_bar_enabled())
    dlog.disable_progress_bar()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was[0]:
            dlog.enable_progress_bar()
        if was[1]:
            tlog.enable_progress_bar()


# --------------------------------------------------------------------------- weights shared between engines

_SHARED: dict[tuple, list] = {}  # key -> [module, holders]
_SHARED_LOCK = __import__("threading").Lock()


def shared_model(key: tuple, build: Callable[[], Any]) -> Any:
    """One module object per key (e.g. the Gemma folder and dtype) for every engine that asks.

    LTX-2's text encoder and the Gemma prompt enhancer are the same weights: the second engine to
    load gets the first one's object instead of a second copy. `release_shared` drops a holder; the
    module is freed with the last one.
    """
    with _SHARED_LOCK:
        slot = _SHARED.get(key)
        if slot is None:
            slot = _SHARED[key] = [build(), 0]
        slot[1] += 1
        return slot[0]


def release_shared(key: tuple | None) -> None:
    if key is None:
        return
    with _SHARED_LOCK:
        slot = _SHARED.get(key)
        if slot is not None:
            slot[1] -= 1
            if slot[1] <= 0:
                del _SHARED[key]


def shared_key(path: Path, dtype: Any) -> tuple:
    return ("text_encoder", str(Path(path).resolve()), str(dtype))
