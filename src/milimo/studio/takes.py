"""Every take of every shot of a project: what each was made with, whether the shot has moved on
since, and a name a filmmaker can read ("Sc 2 · Sh 3 · take 4", not `job_<uuid>.mp4`).

A take is a generated asset whose job was for the shot (split halves share their original's
takes through `media_asset_id`, so the asset a shot shows is always listed for it, an upload
included). Concept art (a thumbnail job's still, seed §6.2) names its shot but is not a take: it
is the card's picture and the shot's conditioning. A take is out of date when the saved shot's prompt, seed, frame count or
conditioning is no longer what its job was given: regenerating would make something else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset, Job, Scene, Shot
from milimo.db.states import JobType
from milimo.errors import StudioError
from milimo.jobs.params import ImageParams, VideoParams, parse_params
from milimo.studio.conditioning import resolve_items
from milimo.studio.versions import require_project


class MadeWith(BaseModel):
    prompt: str
    seed: int | None
    num_frames: int | None
    enhanced_prompt: str | None
    conditioning: list[dict[str, Any]]  # resolved items: rel_path, frame_index, strength, type


class TakePublic(BaseModel):
    asset_id: str
    shot_id: str
    number: int | None  # 1, 2, … per shot in the order they were made; None for an upload
    label: str  # "Sc 2 · Sh 3 · take 4"; an upload keeps its file name
    upload: bool
    current: bool  # the shot shows it (its media_asset_id)
    url: str
    thumbnail_url: str | None
    media_type: str
    engine: str | None
    duration_s: float | None
    num_frames: int | None
    fps: float | None
    job_id: str | None
    created_at: datetime
    made_with: MadeWith | None  # None for an upload
    changed: list[str]  # what the saved shot changed since: prompt, seed, num_frames, conditioning
    smoothed_from: str | None = None  # smooth motion ×2: the take this one is at twice the rate of


class TakeList(BaseModel):
    project_id: str
    version: int
    takes: list[TakePublic]


def shot_name(shot: Shot, scene_number: int | None) -> str:
    """How a filmmaker names a shot: by its scene and its place in it."""
    return f"Sc {scene_number} · Sh {shot.index + 1}" if scene_number else f"Sh {shot.index + 1}"


def _made_with(job: Job | None, asset: Asset) -> MadeWith:
    # The job's params are what the engine was given; an asset without its (video) job falls back on its meta.
    meta = asset.meta or {}
    params = _video_params(job)
    if params is not None:
        return MadeWith(
            prompt=params.prompt,
            seed=params.seed,
            num_frames=params.num_frames,
            enhanced_prompt=meta.get("enhanced_prompt"),
            conditioning=[c.model_dump() for c in params.conditioning],
        )
    seed = meta.get("seed")
    return MadeWith(
        prompt=str(meta.get("prompt", "")),
        seed=None if seed is None else int(seed),
        num_frames=asset.num_frames,
        enhanced_prompt=meta.get("enhanced_prompt"),
        conditioning=[],
    )


def _is_take(job: Job) -> bool:
    """Whether what this job of a shot made is one of the shot's takes: not a thumbnail, and not the
    still a still-first video opens on (the shot's keyframe: the Images gallery keeps it)."""
    if job.type == JobType.thumbnail:
        return False
    if job.type != JobType.image:
        return True
    try:
        params = parse_params(job.type, job.params)
    except StudioError:  # a row written by another version: a still of the shot, as before
        return True
    return not (isinstance(params, ImageParams) and params.keyframe)


def _video_params(job: Job | None) -> VideoParams | None:
    if job is None:
        return None
    try:
        params = parse_params(job.type, job.params)
    except StudioError:  # a row written by another version: the asset's own metadata still says enough
        return None
    return params if isinstance(params, VideoParams) else None


def _conditioning_now(session: Session, settings: Settings, shot: Shot) -> list[dict[str, Any]] | None:
    try:
        return [i.model_dump() for i in resolve_items(session, settings, shot.project_id, list(shot.timeline or []))]
    except StudioError:  # an item names media that is gone: whatever the take used, the shot differs now
        return None


def _changed(made: MadeWith, shot: Shot, conditioning: list[dict[str, Any]] | None, still: bool) -> list[str]:
    out = []
    if made.prompt != shot.prompt:
        out.append("prompt")
    if made.seed is not None and made.seed != shot.seed:
        out.append("seed")
    if not still and made.num_frames is not None and made.num_frames != shot.num_frames:  # a still fits any length
        out.append("num_frames")
    if conditioning is None or _items_key(conditioning) != _items_key(made.conditioning):
        out.append("conditioning")
    return out


def _items_key(items: list[dict[str, Any]]) -> list[tuple]:
    return [
        (i.get("rel_path"), int(i.get("frame_index", 0)), round(float(i.get("strength", 1.0)), 4), i.get("type")) for i in items
    ]


def list_takes(db: Database, settings: Settings, project_id: str, shot_id: str | None = None) -> dict[str, Any]:
    with db.read() as session:
        project = require_project(session, project_id)
        shots = session.execute(select(Shot).where(col(Shot.project_id) == project_id)).scalars().all()
        if shot_id is not None:
            shots = [s for s in shots if s.id == shot_id]
        scenes = {s.id: s.index + 1 for s in session.execute(select(Scene).where(col(Scene.project_id) == project_id)).scalars()}
        assets = {a.id: a for a in session.execute(select(Asset).where(col(Asset.project_id) == project_id)).scalars()}
        job_ids = [a.job_id for a in assets.values() if a.job_id]
        jobs = {j.id: j for j in session.execute(select(Job).where(col(Job.id).in_(job_ids))).scalars()} if job_ids else {}
        by_shot: dict[str, list[Asset]] = {}
        for a in assets.values():
            job = jobs.get(a.job_id) if a.job_id else None
            if a.kind == "generated" and job is not None and job.shot_id and _is_take(job):
                by_shot.setdefault(job.shot_id, []).append(a)
        out: list[dict[str, Any]] = []
        for shot in sorted(shots, key=lambda s: (s.track_index, s.start_frame, s.index)):
            made = sorted(by_shot.get(shot.id, []), key=lambda a: (a.created_at, a.id))
            numbered = {a.id: n for n, a in enumerate(made, start=1)}
            listed = list(made)
            current = assets.get(shot.media_asset_id) if shot.media_asset_id else None
            if current is not None and current.id not in numbered:
                listed.append(current)  # an upload, or a take of the shot this one was split from
            conditioning = _conditioning_now(session, settings, shot) if listed else []
            name = shot_name(shot, scenes.get(shot.scene_id) if shot.scene_id else None)
            for a in listed:
                job = jobs.get(a.job_id) if a.job_id else None
                upload = a.job_id is None and a.kind != "generated"
                smoothed_from = (a.meta or {}).get("smoothed_from")
                source = assets.get(smoothed_from) if isinstance(smoothed_from, str) else None
                # A smoothed take was made from what its source was made from (twice the frames at twice the rate);
                # a smoothed upload, like the upload, was made from nothing the shot asks for.
                if upload or (source is not None and source.job_id is None and source.kind != "generated"):
                    made_with = None
                elif source is not None:
                    made_with = _made_with(jobs.get(source.job_id) if source.job_id else None, source)
                else:
                    made_with = _made_with(job, a)
                number = numbered.get(a.id)
                label = a.filename if upload else f"{name} · take {number}" if number else f"{name} · {a.filename}"
                out.append(
                    {
                        "asset_id": a.id,
                        "shot_id": shot.id,
                        "number": number,
                        "label": label,
                        "upload": upload,
                        "current": a.id == shot.media_asset_id,
                        "url": a.url,
                        "thumbnail_url": a.thumbnail_url,
                        "media_type": a.media_type,
                        "engine": a.engine or ("upload" if upload else None),
                        "duration_s": a.duration_s,
                        "num_frames": a.num_frames,
                        "fps": a.fps,
                        "job_id": a.job_id,
                        "created_at": a.created_at,
                        "made_with": made_with.model_dump() if made_with else None,
                        "changed": _changed(made_with, shot, conditioning, a.media_type == "image") if made_with else [],
                        "smoothed_from": smoothed_from if isinstance(smoothed_from, str) else None,
                    }
                )
        return {"project_id": project_id, "version": project.version, "takes": out}
