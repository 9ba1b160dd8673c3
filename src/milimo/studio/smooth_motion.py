"""Submitting "smooth motion ×2" (issue 16): a finished take -> a `smooth_motion` job making a new take
of the same shot at twice the frame rate, same length, same sound.

Which engine: LTX-2.5's DFR temporal refine when the take was made by LTX-2.5's DFR pipeline (its
latents, carry keyframes and keyframe positions lie beside it: they cannot be re-derived from
pixels) and the video engine is that model with its temporal latent upsampler; otherwise the
draft optical-flow interpolator, and the answer's `note` says why. Every refusal is a 4xx before
a row is written: not a video, not this project's, not a take of a shot, already at the highest
rate the engine makes, or the shot busy with another job.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.db.models import Asset, Job, Shot
from milimo.db.states import BUSY_SHOT, JobType, ShotStatus
from milimo.engines.draft import DraftMotionEngine
from milimo.errors import Conflict, Invalid
from milimo.jobs import store
from milimo.jobs.params import SmoothMotionParams
from milimo.jobs.services import Services
from milimo.media import probe
from milimo.studio.assets import asset_file, require_project_asset
from milimo.studio.ids import new_id
from milimo.studio.paths import contained

EngineChoice = Literal["auto", "draft", "ltx2"]


def _take_and_shot(session: Session, project_id: str, asset_id: str) -> tuple[Asset, Shot]:
    asset = require_project_asset(session, project_id, asset_id, "asset_id")
    if asset.media_type != "video":
        raise Invalid(
            f"asset {asset_id!r} is a{'n' if asset.media_type[:1] in 'aeiou' else ''} {asset.media_type}, not a video: only a clip has motion to smooth",
            field="asset_id",
        )
    job = session.get(Job, asset.job_id) if asset.job_id else None
    shot = session.get(Shot, job.shot_id) if job is not None and job.shot_id else None
    if shot is None:  # an upload (or a take of a split original) the shot shows
        shot = session.execute(select(Shot).where(col(Shot.media_asset_id) == asset.id)).scalars().first()
    if shot is None or shot.project_id != project_id:
        raise Invalid(f"asset {asset_id!r} is not a take of any shot of this project", field="asset_id")
    session.expunge(asset)
    session.expunge(shot)
    return asset, shot


def _real_engine(services: Services, asset: Asset) -> tuple[Any | None, str]:
    """(the video engine when it can refine this take, else None; why not, for the user)."""
    state = (asset.meta or {}).get("dfr_state")
    if not isinstance(state, str):
        return None, (
            "this take was not made by LTX-2.5's DFR pipeline, so there is no DFR state (latents, keyframes) to refine;"
            " the draft interpolator makes the in-between frames from its pixels"
        )
    engine = services.engines.get("video")
    unavailable = getattr(engine, "refine_unavailable", None)
    if not callable(unavailable):
        return None, f"the video engine now is {engine.name}, which has no temporal refine; the draft interpolator is used"
    why = unavailable()
    if why:
        return None, f"{why}; the draft interpolator is used"
    made_by = (asset.meta or {}).get("engine_version")
    if made_by and made_by != engine.version:
        return (
            None,
            f"the take was made by {made_by} and the video engine now is {engine.version}: its DFR state does not fit; the draft interpolator is used",
        )
    if not contained(services.settings.project_dir(asset.project_id), state).is_file():
        return None, "the DFR state kept beside this take is missing; the draft interpolator is used"
    return engine, ""


def submit_smooth_motion(services: Services, project_id: str, asset_id: str, *, engine: EngineChoice = "auto") -> dict[str, Any]:
    """Check the take, pick the engine, queue the job. Runs off the event loop (it probes the clip)."""
    with services.db.read() as session:
        asset, _ = _take_and_shot(session, project_id, asset_id)
    path = asset_file(services.settings, asset)
    if not path.is_file():
        raise Invalid(f"asset {asset_id!r}: its file is missing", field="asset_id")
    info = probe(path)
    if info.kind != "video" or info.fps is None or info.num_frames < 2:
        raise Invalid(f"asset {asset_id!r} has fewer than two frames: there is no motion to smooth", field="asset_id")

    real, why_not = (None, "the draft engine was asked for") if engine == "draft" else _real_engine(services, asset)
    if engine == "ltx2" and real is None:
        raise Invalid(f"LTX-2.5's temporal refine cannot smooth this take: {why_not.rsplit(';', 1)[0]}", field="engine")
    used = real if real is not None else DraftMotionEngine()
    limit = float(getattr(used, "max_refine_fps", None) or DraftMotionEngine.max_output_fps)
    if info.fps_float * 2 > limit + 1e-6:
        raise Invalid(
            f"the take is already at {info.fps_float:g} fps; twice that is past the {limit:g} fps the "
            f"{'LTX-2.5 refine' if real is not None else 'draft interpolator'} makes",
            field="asset_id",
        )
    meta = asset.meta or {}
    params = SmoothMotionParams(
        source=asset.rel_path,
        source_asset_id=asset.id,
        engine="ltx2" if real is not None else "draft",
        source_fps=info.fps_float,
        source_frames=info.num_frames,
        refine_state=meta.get("dfr_state") if real is not None else None,
        prompt=str(meta.get("enhanced_prompt") or meta.get("prompt") or ""),
        seed=int(meta.get("seed") or 0),
        note=why_not if real is None else "LTX-2.5 temporal refine from the DFR state kept with the take",
    )
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        _, current = _take_and_shot(session, project_id, asset_id)  # still there, still this project's
        row = session.get(Shot, current.id)
        assert row is not None
        if row.status in BUSY_SHOT:
            raise Conflict("the shot is generating: wait for its job to finish (or cancel it), then smooth a take")
        session.add(store.queued_job(job_id, project_id, JobType.smooth_motion, params, used, shot_id=row.id))
        row.status, row.last_job_id = ShotStatus.generating, job_id
        session.flush()
        return {
            "job_id": job_id,
            "status": "queued",
            "shot_id": row.id,
            "engine": used.name,
            "refine": params.engine,
            "note": params.note,
            "source_fps": info.fps_float,
            "fps": info.fps_float * 2,
            "source_frames": info.num_frames,
        }

    result = services.db.write(write)
    services.executor.wake()
    return result
