"""The arithmetic of chained generation (seed §4): how a long shot splits into engine calls.

A requested 24-frame overlap is aligned to the engine's temporal grid: with 8 frames per
latent, latent_slice_count = ceil((24 - 1) / 8) + 1 = 4 and the effective overlap is
(4 - 1) * 8 + 1 = 25 frames. Chunk 0 generates the native maximum; every later chunk is
conditioned on the previous chunk's last `overlap` frames (or latents), re-creates them first,
and only what follows them is kept. The last chunk is as short as the grid allows and is cut
so the shot has exactly the requested number of frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REQUESTED_OVERLAP = 24


@dataclass(frozen=True)
class Overlap:
    latent_slices: int
    frames: int


@dataclass(frozen=True)
class Chunk:
    index: int
    generate: int  # frames the engine makes in this call (on its grid)
    skip: int  # leading frames that re-create the previous chunk's tail (trimmed)
    keep: int  # frames kept after the skipped ones
    start: int  # global index of the first kept frame


def overlap_for(frame_step: int, requested: int = REQUESTED_OVERLAP) -> Overlap:
    if frame_step <= 1:
        return Overlap(latent_slices=requested, frames=requested)
    slices = math.ceil((requested - 1) / frame_step) + 1
    return Overlap(latent_slices=slices, frames=(slices - 1) * frame_step + 1)


def _on_grid_at_least(n: int, frame_step: int) -> int:
    if frame_step <= 1:
        return n
    return math.ceil((n - 1) / frame_step) * frame_step + 1


def plan_chunks(total: int, native_max: int, frame_step: int, requested_overlap: int = REQUESTED_OVERLAP) -> list[Chunk]:
    """Chunks whose kept frames add up to exactly `total`."""
    overlap = overlap_for(frame_step, requested_overlap).frames
    if total <= native_max:
        return [Chunk(0, total, 0, total, 0)]
    if native_max <= overlap:
        raise ValueError(f"an engine making {native_max} frames per call cannot chain with a {overlap}-frame overlap")
    chunks = [Chunk(0, native_max, 0, native_max, 0)]
    done = native_max
    while done < total:
        new = min(native_max - overlap, total - done)
        generate = min(native_max, _on_grid_at_least(overlap + new, frame_step))
        chunks.append(Chunk(len(chunks), generate, overlap, new, done))
        done += new
    return chunks
