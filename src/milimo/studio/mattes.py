"""Mattes (seed §3: "a mask sequence the inpaint and export steps can use"): a tracked object's masks
as a black-and-white clip, frame for frame with the clip they were tracked on, so an editor (Premiere's
Track Matte Key, Resolve's external matte, Final Cut's Image Mask) can key, grade or blur the object.

The worker side is milimo.tasks.matte. As with clip inpainting, the client names only the sequence;
its manifest is checked here, so a bad sequence is a 4xx before any row or file is written.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from milimo.db.states import JobType
from milimo.jobs import store
from milimo.jobs.params import MatteParams
from milimo.jobs.services import Services
from milimo.studio.clip_inpainting import checked_sequence, sequence_and_clip
from milimo.studio.ids import new_id

MATTE_ENGINE = "matte"  # no model: the pixels are the tracker's masks; the asset names the tracker too


def submit_matte(
    services: Services, project_id: str, mask_sequence: str, *, grow_px: int, feather_px: int, invert: bool
) -> dict[str, Any]:
    """Check the sequence and its clip, queue a `matte` job. Runs off the event loop (manifest read, probe)."""
    seq, clip, info, masked = checked_sequence(services, project_id, mask_sequence)
    job_id = new_id("job_")
    params = MatteParams(
        clip=clip.rel_path,
        manifest=seq.rel_path,
        clip_asset_id=clip.id,
        mask_sequence_id=seq.id,
        clip_name=clip.filename or "",
        tracker=seq.engine or "",
        grow_px=grow_px,
        feather_px=feather_px,
        invert=invert,
    )

    def write(session: Session) -> dict[str, Any]:
        sequence_and_clip(session, project_id, mask_sequence)  # still there, still this project's
        job = store.queued_job(job_id, project_id, JobType.matte, params, status_message="Queued")
        job.engine = MATTE_ENGINE
        session.add(job)
        return {"job_id": job_id, "status": "queued", "frames": len(masked), "num_frames": info.num_frames}

    result = services.db.write(write)
    services.executor.wake()
    return result
