"""Submitting clip inpainting (seed §3): a tracked mask sequence and its clip -> an `inpaint_clip` job.

The worker side is milimo.tasks.inpaint_clip. The client names only the sequence's asset id;
the clip is the one the sequence's meta names (`source_asset_id`), and both must be assets of
the project. The manifest is read and checked here (every frame inside the clip, every mask a
file of its folder), so a bad sequence is a 4xx before any row or file is written.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlmodel import Session

from milimo.db.models import Asset
from milimo.db.states import JobType
from milimo.errors import Invalid
from milimo.jobs import store
from milimo.jobs.params import InpaintClipParams
from milimo.jobs.services import Services
from milimo.media import MediaInfo, probe
from milimo.studio.assets import asset_file, require_project_asset
from milimo.studio.elements import inject_triggers
from milimo.studio.ids import new_id
from milimo.studio.mask_sequences import read_manifest


def sequence_and_clip(session: Session, project_id: str, sequence_id: str) -> tuple[Asset, Asset]:
    """The project's mask_sequence asset `sequence_id` and the clip it was tracked on (both detached), or a 4xx."""
    seq = require_project_asset(session, project_id, sequence_id, "mask_sequence")
    if seq.kind != "mask_sequence":
        raise Invalid(f"mask_sequence: asset {sequence_id!r} is a {seq.kind}, not a tracked mask sequence", field="mask_sequence")
    clip_id = (seq.meta or {}).get("source_asset_id")
    clip = session.get(Asset, clip_id) if isinstance(clip_id, str) else None
    if clip is None or clip.project_id != project_id:
        raise Invalid(
            "mask_sequence: the clip it was tracked on is not a video of this project (any more)", field="mask_sequence"
        )
    if clip.media_type != "video":
        raise Invalid(f"mask_sequence: it was tracked on a {clip.media_type}, not a clip", field="mask_sequence")
    session.expunge(seq)
    session.expunge(clip)
    return seq, clip


def checked_sequence(
    services: Services, project_id: str, mask_sequence: str
) -> tuple[Asset, Asset, MediaInfo, dict[int, list[Path]]]:
    """The sequence, its clip, the clip's probe and the frames the manifest masks; a 4xx when any of it is wrong.
    What every job through a mask sequence checks before it writes a row (reads files: off the event loop)."""
    with services.db.read() as session:
        seq, clip = sequence_and_clip(session, project_id, mask_sequence)
    clip_path = asset_file(services.settings, clip)
    if not clip_path.is_file():
        raise Invalid("mask_sequence: the file of the clip it was tracked on is missing", field="mask_sequence")
    info = probe(clip_path)
    if info.kind != "video" or info.num_frames < 1:
        raise Invalid("mask_sequence: the clip it was tracked on has no frames", field="mask_sequence")
    return seq, clip, info, read_manifest(asset_file(services.settings, seq), info.num_frames)


def submit_inpaint_clip(
    services: Services,
    project_id: str,
    mask_sequence: str,
    *,
    prompt: str,
    negative_prompt: str,
    seed: int | None,
    steps: int,
    strength: float,
    guidance: float,
    feather_px: int,
    grow_px: int = 0,
) -> dict[str, Any]:
    """Check the sequence and its clip, queue the job. Runs off the event loop (it reads the manifest and probes the clip)."""
    seq, clip, info, masked = checked_sequence(services, project_id, mask_sequence)

    engine = services.engines.get("inpaint")
    seed = seed if seed is not None else random.randint(0, 2**32 - 1)  # recorded, so the result can be remade
    job_id = new_id("job_")
    params = InpaintClipParams(
        clip=clip.rel_path,
        manifest=seq.rel_path,
        clip_asset_id=clip.id,
        mask_sequence_id=seq.id,
        prompt=prompt,
        negative_prompt=negative_prompt,
        seed=seed,
        steps=steps,
        strength=strength,
        guidance=guidance,
        feather_px=feather_px,
        grow_px=grow_px,
    )

    def write(session: Session) -> dict[str, Any]:
        sequence_and_clip(session, project_id, mask_sequence)  # still there, still this project's
        worded = params.model_copy(update={"prompt": inject_triggers(session, project_id, prompt)})
        session.add(store.queued_job(job_id, project_id, JobType.inpaint_clip, worded, engine))
        return {
            "job_id": job_id,
            "status": "queued",
            "engine": engine.name,
            "seed": seed,
            "frames": len(masked),
            "num_frames": info.num_frames,
        }

    result = services.db.write(write)
    services.executor.wake()
    return result
