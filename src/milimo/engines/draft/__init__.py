"""Draft engines: CPU implementations that need no weights and still do useful work.

DraftVideoEngine renders an animatic, DraftImageEngine a storyboard card, DraftTextEngine
enhances prompts by rule, DraftInpaintEngine fills a mask with OpenCV. Each reports name "draft" so every output says what made it.
"""

from .image import DraftImageEngine
from .inpaint import DraftInpaintEngine
from .sync import decode_frame_number
from .text import DraftTextEngine
from .video import DraftVideoEngine

__all__ = ["DraftImageEngine", "DraftInpaintEngine", "DraftTextEngine", "DraftVideoEngine", "decode_frame_number"]
