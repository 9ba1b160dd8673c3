"""Reading a tracked object's manifest (docs/segmentation.md, Masks on disk) as untrusted input.

A `mask_sequence` asset's file is `masks/track_…/manifest.json`: frames, each naming its
per-object mask PNGs in the same folder. The manifest was written by the studio, but it sits on
disk where anything could have changed it, so every name is checked against the pattern the
service writes and must be a file inside the manifest's own folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from milimo.errors import Invalid
from milimo.media import load_rgb

MASK_NAME = re.compile(r"^frame_\d{5}_obj_\d{1,4}\.png$")
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def read_manifest(manifest: Path, num_frames: int) -> dict[int, list[Path]]:
    """frame index (0-based, in the clip's decoded frames) -> its mask files; only frames with masks appear.

    Invalid when the file is unreadable, malformed, names a file that is not a mask of its folder,
    or a frame outside 0..num_frames-1.
    """
    try:
        if manifest.stat().st_size > MAX_MANIFEST_BYTES:
            raise Invalid(f"mask_sequence: the manifest is over {MAX_MANIFEST_BYTES // 2**20} MiB")
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError) as exc:
        raise Invalid(f"mask_sequence: its manifest cannot be read ({exc.__class__.__name__})") from None
    frames = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(frames, list):
        raise Invalid("mask_sequence: its manifest lists no frames")
    folder = manifest.parent
    out: dict[int, list[Path]] = {}
    for item in frames:
        idx = item.get("frame_idx") if isinstance(item, dict) else None
        masks = item.get("masks") if isinstance(item, dict) else None
        if not isinstance(idx, int) or isinstance(idx, bool) or not isinstance(masks, dict):
            raise Invalid("mask_sequence: a frame of its manifest is malformed")
        if not 0 <= idx < num_frames:
            raise Invalid(f"mask_sequence: frame {idx} is outside the clip (frames 0..{num_frames - 1})")
        files = []
        for name in masks.values():
            if not isinstance(name, str) or not MASK_NAME.match(name) or not (folder / name).is_file():
                raise Invalid(f"mask_sequence: frame {idx} names a mask that is not in its folder ({str(name)[:80]!r})")
            files.append(folder / name)
        if files:
            out.setdefault(idx, []).extend(files)
    if not out:
        raise Invalid("mask_sequence: no frame of it has a mask")
    return out


def frame_mask(files: list[Path], size: tuple[int, int], grow_px: int, max_pixels: int) -> Image.Image:
    """The frame's object masks merged into one L mask at the frame's size (white = repaint), grown by `grow_px`."""
    merged = np.zeros((size[1], size[0]), np.uint8)
    for f in files:
        m = load_rgb(f, max_pixels=max_pixels).convert("L")
        if m.size != size:
            m = m.resize(size, Image.Resampling.NEAREST)
        merged |= (np.asarray(m) > 127).astype(np.uint8)
    if grow_px and merged.any():
        merged = np.asarray(
            cv2.dilate(merged, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1))), np.uint8
        )
    return Image.fromarray(merged * 255, "L")
