"""Screenplays to storyboards: parsing (Fountain, FDX, plain text), export, shot length, prompts, element matching.

Pure domain code: no database, no FastAPI. The studio's storyboard service (studio/storyboard.py)
stores what these functions produce.
"""

from .matcher import ElementIndex, match_elements
from .model import ParsedScene, ParsedShot, Storyboard
from .parse import Grid, detect_mode, parse_script

__all__ = ["ElementIndex", "Grid", "ParsedScene", "ParsedShot", "Storyboard", "detect_mode", "match_elements", "parse_script"]
