"""Draft engines: CPU implementations that need no weights and still do useful work.

DraftVideoEngine renders an animatic, DraftImageEngine a storyboard card, DraftTextEngine
enhances prompts by rule, DraftInpaintEngine fills a mask with OpenCV, DraftMotionEngine doubles a
clip's frame rate by optical flow. Each reports name "draft" so every output says what made it.
"""

from .image import DraftImageEngine
from .inpaint import DraftInpaintEngine
from .motion import DraftMotionEngine
from .sync import decode_frame_number
from .text import DraftTextEngine
from .video import DraftVideoEngine

__all__ = [
    "DraftImageEngine",
    "DraftInpaintEngine",
    "DraftMotionEngine",
    "DraftTextEngine",
    "DraftVideoEngine",
    "decode_frame_number",
]
