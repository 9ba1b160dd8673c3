"""LTX-2 LoRAs: which files, loaded once, and which adapters are active in each pipeline and stage.

kind `camera` / `style` are always on; `ic_lora` only in the IC-LoRA pipeline; `distilled` only
in stage 2 of a dev model (the two-stage recipe). diffusers loads them through PEFT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from milimo.engines.protocols import EngineUnavailable

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


def reference_downscale(path: Path) -> int:
    """IC-LoRA files store the reference video's downscale factor in their safetensors metadata."""
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            return int((f.metadata() or {}).get("reference_downscale_factor", 1))
    except Exception:
        return 1


def load_loras(base: Any, loras: Sequence[LoraSpec], variant: str) -> None:
    """Load every LoRA the model uses once (a distilled model has no use for the distilled LoRA)."""
    wanted = [l for l in loras if not (l.kind == "distilled" and variant == "distilled")]
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


def activate_adapters(base: Any, loras: Sequence[LoraSpec], kind: str, stage: int, variant: str) -> list[str]:
    """Switch the loaded adapters for one pipeline call; returns the names that are on."""
    active = [l for l in loras if l.kind in ("camera", "style")
              or (l.kind == "ic_lora" and kind == "ic_lora")
              or (l.kind == "distilled" and stage == 2 and variant == "dev")]
    if not loras or not getattr(base.transformer, "peft_config", None):
        return []
    if active:
        base.enable_lora()
        base.set_adapters([l.adapter for l in active], [l.strength for l in active])
    else:
        base.disable_lora()
    return [l.adapter for l in active]
