"""LTX-2.5's duration head: how long a shot the prompt implies, before anything is generated."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from milimo.engines.ltx2.engine import LTX2Engine


def propose_frames(engine: LTX2Engine, prompt: str, fps: float, min_seconds: float, max_seconds: float | None) -> int | None:
    """The shot length (8k+1 frames at `fps`) the prompt implies, or None when the model has no duration head.

    The prompt is encoded and run through the connectors as for generation; the head predicts
    seconds, clamped to [min_seconds, max_seconds] (default: the model's per-call limit).
    Call under the engine's lock with its weights loaded."""
    import torch

    base = engine._base
    head = getattr(base, "duration_head", None)
    if head is None:
        return None
    limit = engine.max_frames(fps) / fps if max_seconds is None else max_seconds
    with torch.inference_mode():
        memory = engine._memory_plan
        encoder_device = "cpu" if memory and memory.mode == "text_encoder_cpu" else None
        embeds, mask, _, _ = base.encode_prompt(
            prompt=prompt,
            do_classifier_free_guidance=False,
            max_sequence_length=engine.max_sequence_length,
            device=encoder_device or base._execution_device,
        )
        device = base._execution_device
        video, audio, _ = base.connectors(
            embeds.to(device), mask.to(device), padding_side=getattr(base.tokenizer, "padding_side", "left")
        )
        frames = head.predict_num_frames(
            video[:1],
            audio[:1],
            frame_rate=float(fps),
            temporal_compression_ratio=base.vae_temporal_compression_ratio,
            min_seconds=min_seconds,
            max_seconds=limit,
        )
    return min(int(frames), engine.max_frames(fps))
