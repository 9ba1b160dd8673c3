"""Which diffusers LTX-2 pipeline serves a request, and the conditioning arguments it takes.

The request decides the class (`choose_pipeline`); images become conditions at latent indices,
a chained shot's tail frames one multi-frame condition at frame 0, and a conditioning video the
IC-LoRA reference. What was built is written into the RunRecord (tests and logs read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from milimo.engines.ltx2.loras import LoraSpec, reference_downscale
from milimo.engines.protocols import ConditioningImage, VideoRequest

NATIVE_MAX_FRAMES = 481  # 20 s at 24 fps, the released configs' positional limit (versions.FrameRules)
FRAME_STEP = 8
MAX_SIZE = 2048  # positional embeddings are trained up to 2048 px per axis
PipelineName = Literal["t2v", "i2v", "condition", "ic_lora"]
PIPELINE_CLASSES = {
    "t2v": "LTX2Pipeline",
    "i2v": "LTX2ImageToVideoPipeline",
    "condition": "LTX2ConditionPipeline",
    "ic_lora": "LTX2InContextPipeline",
}


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


def check_request(
    request: VideoRequest,
    two_stage: bool,
    max_frames: int = NATIVE_MAX_FRAMES,
    multiple: int | None = None,
    max_size: int = MAX_SIZE,
) -> None:
    """Refuse what the model cannot make, saying what to change (the task snaps to the grid first)."""
    multiple = multiple or (64 if two_stage else 32)
    if request.num_frames < 1 or (request.num_frames - 1) % FRAME_STEP:
        raise ValueError(f"LTX-2 frame counts are 8k+1 (e.g. 97, 121); got {request.num_frames}")
    if request.num_frames > max_frames:
        raise ValueError(f"LTX-2 makes at most {max_frames} frames per call; chain longer shots")
    for label, v in (("width", request.width), ("height", request.height)):
        if v % multiple or not multiple <= v <= max_size:
            raise ValueError(f"{label} must be a multiple of {multiple} between {multiple} and {max_size}; got {v}")
    for img in request.images:
        if not 0 <= img.frame_index < request.num_frames:
            raise ValueError(f"conditioning image at frame {img.frame_index} is outside the clip (0..{request.num_frames - 1})")
    frames = request.continuation.frames if request.continuation else ()
    if frames and (len(frames) - 1) % FRAME_STEP:
        raise ValueError(f"continuation overlap must be 8k+1 frames (e.g. 25); got {len(frames)}")


def video_conditions(request: VideoRequest, record: RunRecord) -> list[Any]:
    """LTX2VideoCondition per image (at its latent index) and one for the continuation's tail frames."""
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


def pipeline_inputs(kind: PipelineName, request: VideoRequest, record: RunRecord, loras: Sequence[LoraSpec]) -> dict[str, Any]:
    """The conditioning arguments of the chosen pipeline class."""
    if kind == "t2v":
        return {}
    if kind == "i2v":
        image: ConditioningImage = request.images[0]
        record.conditions.append({"type": "image", "frame_index": 0, "latent_index": 0, "strength": 1.0})
        return {"image": image.image.convert("RGB")}
    inputs: dict[str, Any] = {"conditions": video_conditions(request, record) or None}
    if kind == "ic_lora":
        from diffusers.pipelines.ltx2.pipeline_ltx2_ic_lora import LTX2ReferenceCondition

        refs = []
        for video in request.videos:
            frames = read_video_frames(Path(video.path), request.num_frames)
            refs.append(LTX2ReferenceCondition(frames=frames, strength=float(video.strength)))
            record.conditions.append({"type": "reference_video", "frames": len(frames), "strength": video.strength})
        inputs["reference_conditions"] = refs or None
        factors = {reference_downscale(Path(l.path)) for l in loras if l.kind == "ic_lora"}
        inputs["reference_downscale_factor"] = max(factors) if factors else 1
    return inputs
