"""Frame and size grids: snap a request to what an engine accepts and say what changed.

LTX-2: frames = 8k + 1 (VAE temporal compression 8), width/height multiples of 64 for the
two-stage pipeline (32 for one stage). One frame is not video: it goes to the image engine.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Adjustment(BaseModel):
    """One value the studio changed to fit the engine, and why (the response and the job carry these)."""

    model_config = ConfigDict(frozen=True)
    field: str
    requested: int
    used: int
    reason: str


def snap_frames(num_frames: int, frame_step: int) -> int:
    """Nearest valid count frame_step*k + 1 (ties go up); 1 stays 1 (a still), anything else >= step+1."""
    if num_frames <= 1 or frame_step <= 1:
        return max(1, num_frames)
    k = (num_frames - 1 + frame_step // 2) // frame_step
    return max(1, k) * frame_step + 1


def snap_size(value: int, multiple: int, lo: int, hi: int) -> int:
    """Nearest multiple of `multiple` (ties go up), clamped to [lo, hi] rounded onto the grid."""
    lo_g = -(-lo // multiple) * multiple
    hi_g = (hi // multiple) * multiple
    snapped = ((value + multiple // 2) // multiple) * multiple
    return min(max(snapped, lo_g), hi_g)


def snap_video(
    width: int,
    height: int,
    num_frames: int,
    *,
    frame_step: int,
    size_multiple: int,
    min_size: int,
    max_size: int,
) -> tuple[int, int, int, list[Adjustment]]:
    """Snap a video request to an engine grid. Returns (width, height, frames, adjustments)."""
    adjustments: list[Adjustment] = []
    w = snap_size(width, size_multiple, min_size, max_size)
    h = snap_size(height, size_multiple, min_size, max_size)
    f = snap_frames(num_frames, frame_step)
    if w != width:
        adjustments.append(
            Adjustment(
                field="width",
                requested=width,
                used=w,
                reason=f"width must be a multiple of {size_multiple} between {min_size} and {max_size}",
            )
        )
    if h != height:
        adjustments.append(
            Adjustment(
                field="height",
                requested=height,
                used=h,
                reason=f"height must be a multiple of {size_multiple} between {min_size} and {max_size}",
            )
        )
    if f != num_frames:
        adjustments.append(
            Adjustment(
                field="num_frames",
                requested=num_frames,
                used=f,
                reason=f"frame counts must be {frame_step}k+1 (e.g. {frame_step * 12 + 1})",
            )
        )
    return w, h, f, adjustments
