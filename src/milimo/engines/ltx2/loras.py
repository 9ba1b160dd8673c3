"""LTX-2 LoRAs: which files, loaded once, and which adapters are active in each pipeline and stage.

kind `camera` / `style` are always on; `ic_lora` only in the IC-LoRA pipeline; `distilled` only
in stage 2 of a dev model (the two-stage recipe). diffusers loads them through PEFT.
"""

from __future__ import annotations

import re
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
    made_for: str = ""  # the LTX-2 version it was trained on ("2.0", "2.3", "2.5"); "" = read from the file

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


# Released LTX LoRA file names say their base: ltx-2-19b-… (2.0), ltx-2.3-22b-… (2.3), ltx-2.5-… (2.5).
_NAME_VERSIONS = (
    (re.compile(r"ltx-?2[._]5|ltx25"), "2.5"),
    (re.compile(r"ltx-?2[._]3|ltx23|22b"), "2.3"),
    (re.compile(r"ltx-?2-19b|19b|ltx-?2[._]0"), "2.0"),
)
_META_KEYS = ("model_version", "ltx_version", "base_model_version", "ltx_model_version")


def lora_version(lora: LoraSpec) -> str | None:
    """The LTX-2 version a LoRA was made for: declared, then its safetensors metadata, then its file name."""
    if lora.made_for:
        return lora.made_for
    try:
        from safetensors import safe_open

        with safe_open(str(lora.path), framework="pt") as f:
            meta = f.metadata() or {}
    except Exception:
        meta = {}
    for key in _META_KEYS:
        m = re.match(r"\s*(2\.[035])", str(meta.get(key, "")))
        if m:
            return m.group(1)
    name = Path(lora.path).name.lower()
    for pattern, version in _NAME_VERSIONS:
        if pattern.search(name):
            return version
    return None


def check_lora_versions(loras: Sequence[LoraSpec], model_version: str) -> None:
    """A LoRA loads only on the model version it was trained on; refuse the others by name."""
    for lora in loras:
        made_for = lora_version(lora)
        if made_for is not None and made_for != model_version:
            raise EngineUnavailable(
                f"LoRA {Path(lora.path).name} was made for LTX-{made_for} and cannot load on the LTX-{model_version} "
                f"model in use: a LoRA only works with the model it was trained on; use its LTX-{model_version} "
                f"counterpart or select an LTX-{made_for} model (MILIMO_LTX2_MODEL)"
            )


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
    active = [
        l
        for l in loras
        if l.kind in ("camera", "style")
        or (l.kind == "ic_lora" and kind == "ic_lora")
        or (l.kind == "distilled" and stage == 2 and variant == "dev")
    ]
    if not loras or not getattr(base.transformer, "peft_config", None):
        return []
    if active:
        base.enable_lora()
        base.set_adapters([l.adapter for l in active], [l.strength for l in active])
    else:
        base.disable_lora()
    return [l.adapter for l in active]
