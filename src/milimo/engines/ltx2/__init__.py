"""LTX-2 video + audio through diffusers: text-to-video, image-to-video, keyframes, IC-LoRA, two-stage upscale.

`engine` holds the LTX2Engine (residency, guidance, generate); `conditioning` picks the
pipeline class and builds its conditioning; `upscale` runs the two-stage recipe; `loras` loads
and switches LoRAs. Importing the package costs nothing: torch and diffusers load in load().
"""

from milimo.engines.ltx2.conditioning import (
    FRAME_STEP,
    MAX_SIZE,
    NATIVE_MAX_FRAMES,
    PIPELINE_CLASSES,
    PipelineName,
    RunRecord,
    choose_pipeline,
    latent_index,
    read_video_frames,
)
from milimo.engines.ltx2.engine import LTX2Engine
from milimo.engines.ltx2.loras import LoraKind, LoraSpec, settings_loras

__all__ = [
    "FRAME_STEP",
    "MAX_SIZE",
    "NATIVE_MAX_FRAMES",
    "PIPELINE_CLASSES",
    "LTX2Engine",
    "LoraKind",
    "LoraSpec",
    "PipelineName",
    "RunRecord",
    "choose_pipeline",
    "latent_index",
    "read_video_frames",
    "settings_loras",
]
