"""LTX-2.0, 2.3 and 2.5: which one a folder holds, how long one call may be, and its guidance defaults.

Everything is read from the model's own configs (transformer, VAE, audio VAE), never assumed:

* sizes: multiples of the VAE's spatial compression (32; 64 for two-stage), up to the transformer's
  `base_height` / `base_width` (2048).
* version: 2.5 when the transformer stores a keyframe position embedding
  (`use_keyframes_abs_pos_embedding`, LTX-2.5's DFR keyframes) or drops the video feed-forward
  biases; 2.3 when it has gated attention / prompt cross-attention modulation (`gated_attn`,
  `cross_attn_mod`); else 2.0.
* frames per call: RoPE positions are in seconds (`pixel_frame / fps`) and the model is trained
  up to `pos_embed_max_pos` seconds (20 in every released config). diffusers places a latent
  token at the midpoint of its pixel span: for F = 8k + 1 frames the last video token sits at
  pixel frame F − 4 (the causal first latent covers one frame), so the video limit is
  F − 4 ≤ max_pos × fps, i.e. F ≤ 20·fps + 4. The audio tokens (16 kHz, hop 160, ×4 latent
  compression → 25 per second) must stay under `audio_pos_embed_max_pos` too. At 24 fps both give
  481 frames (20.0 s), at 25 fps 497, at 30 fps 601. The often-quoted 505 is 21 s at 24 fps: past
  the trained range, not a hard error in diffusers but out of distribution.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSIONS = ("2.0", "2.3", "2.5")


@dataclass(frozen=True)
class Guidance:
    """What a dev model is run with by default (distilled models use their sigma table and no guidance)."""

    steps: int
    cfg: float
    stg_blocks: tuple[int, ...]
    audio_cfg: float | None = None  # None: diffusers' default (audio guidance 7)

    def as_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "cfg": self.cfg, "stg_blocks": list(self.stg_blocks), "audio_cfg": self.audio_cfg}


# Steps: ltx-pipelines' presets (40 for 2.0, 30 for 2.3 and later); cfg 3 as in every diffusers example;
# STG at block 29 for 2.0 and 28 for 2.3+ (the diffusers docstrings), audio CFG 7 as LTX-2.3 recommends.
GUIDANCE = {
    "2.0": Guidance(steps=40, cfg=3.0, stg_blocks=(29,)),
    "2.3": Guidance(steps=30, cfg=3.0, stg_blocks=(28,), audio_cfg=7.0),
    "2.5": Guidance(steps=30, cfg=3.0, stg_blocks=(28,), audio_cfg=7.0),
}


def detect_version(transformer_config: dict[str, Any]) -> str:
    """ "2.0" | "2.3" | "2.5" from LTX2VideoTransformer3DModel's config (see the module docstring)."""
    c = transformer_config
    if c.get("use_keyframes_abs_pos_embedding") or c.get("ff_bias") is False:
        return "2.5"
    if c.get("gated_attn") or c.get("cross_attn_mod") or c.get("audio_gated_attn") or c.get("audio_cross_attn_mod"):
        return "2.3"
    return "2.0"


def read_config(folder: Path, component: str) -> dict[str, Any]:
    path = Path(folder) / component / "config.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def folder_version(folder: Path) -> str | None:
    """The version of a diffusers LTX-2 folder, or None when it has no readable transformer config."""
    cfg = read_config(folder, "transformer")
    return detect_version(cfg) if cfg else None


@dataclass(frozen=True)
class FrameRules:
    """The positional limits of one model, read from its configs."""

    max_seconds: float = 20.0  # transformer pos_embed_max_pos
    audio_max_seconds: float = 20.0  # transformer audio_pos_embed_max_pos
    temporal_compression: int = 8  # video VAE
    causal_offset: int = 1
    audio_latents_per_second: float = 25.0  # sample_rate / hop / audio VAE temporal compression
    audio_compression: int = 4
    spatial_compression: int = 32  # video VAE: sizes are multiples of this (twice it for two-stage)
    max_size: int = 2048  # transformer base_height / base_width: the trained spatial range in pixels

    @classmethod
    def from_folder(cls, folder: Path) -> "FrameRules":
        t, v, a = read_config(folder, "transformer"), read_config(folder, "vae"), read_config(folder, "audio_vae")
        return cls.from_configs(t, v, a)

    @classmethod
    def from_configs(cls, transformer: dict[str, Any], vae: dict[str, Any], audio_vae: dict[str, Any]) -> "FrameRules":
        temporal = int(vae.get("temporal_compression_ratio") or _vae_temporal_ratio(vae) or 8)
        rate = float(audio_vae.get("sample_rate", transformer.get("audio_sampling_rate", 16000)))
        hop = float(audio_vae.get("mel_hop_length", transformer.get("audio_hop_length", 160)))
        compression = int(transformer.get("audio_scale_factor", 4))
        return cls(
            max_seconds=float(transformer.get("pos_embed_max_pos", 20)),
            audio_max_seconds=float(transformer.get("audio_pos_embed_max_pos", 20)),
            temporal_compression=temporal,
            causal_offset=int(transformer.get("causal_offset", 1)),
            audio_latents_per_second=rate / hop / compression,
            audio_compression=compression,
            spatial_compression=int(vae.get("spatial_compression_ratio") or 32),
            max_size=int(min(transformer.get("base_height", 2048), transformer.get("base_width", 2048))),
        )

    def size_multiple(self, two_stage: bool) -> int:
        """Stage 1 of the two-stage recipe runs at half size, so the full size needs twice the VAE's grid."""
        return self.spatial_compression * (2 if two_stage else 1)

    def fits(self, num_frames: int, fps: float) -> bool:
        """Every video and audio token of a clip lies inside the trained positional range."""
        s = self.temporal_compression
        latents = (num_frames - 1) // s + 1
        start = max(0, (latents - 1) * s + self.causal_offset - s)
        end = latents * s + self.causal_offset - s
        if (start + end) / 2 / fps > self.max_seconds + 1e-9:
            return False
        audio_latents = round(num_frames / fps * self.audio_latents_per_second)
        c = self.audio_compression
        mel_mid = ((audio_latents - 1) * c + self.causal_offset - c + audio_latents * c + self.causal_offset - c) / 2
        return mel_mid / (self.audio_latents_per_second * c) <= self.audio_max_seconds + 1e-9

    def max_frames(self, fps: float) -> int:
        """The longest 8k+1 clip one call may make at `fps` (481 at 24 fps for every released LTX-2)."""
        s = self.temporal_compression
        frames = (int(self.max_seconds * fps + 2 * s) - 1) // s * s + 1
        while frames > 1 and not self.fits(frames, fps):
            frames -= s
        return frames


def _vae_temporal_ratio(vae: dict[str, Any]) -> int | None:
    """diffusers' own fallback when the config does not say: patch_size_t × 2 per scaling block."""
    scaling = vae.get("spatio_temporal_scaling")
    if scaling is None:
        return None
    blocks = sum(scaling) if isinstance(scaling, (list, tuple)) else (4 if scaling else 0)
    return int(vae.get("patch_size_t", 1)) * 2**blocks


def version_label(version: str, variant: str) -> str:
    """What jobs and assets record as the engine version: ltx2-dev (2.0), ltx2.3-distilled, ltx2.5-dev, ..."""
    return f"ltx2-{variant}" if version == "2.0" else f"ltx{version}-{variant}"
