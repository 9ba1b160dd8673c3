"""Generate one storyboard shot with continuity (seed §6): shot → the previous shot in its scene →
its last frame → conditioning → a video job through the generation core.

Conditioning at frame 0, first that exists wins: a manual image on the shot's own timeline >
its concept art (thumbnail) > the previous shot's last frame. The last frame is decoded outside
the database writer (lock → plan → unlock → heavy work → lock → re-check → apply) and kept in
the project as assets/references/continuity_{shot}_{take}.jpg, so the job, a retry and the user
can all see what the shot was conditioned on. The prompt is the shot's (its automatic storyboard
prompt: heading, framing, action, the spoken line) with its elements injected (studio/elements.py:
a trigger becomes "Name (description)", a location is described once, as the setting) plus the
previous shot's action as context.

When nothing conditions frame 0 (no timeline image, no concept art, no previous take), still first
applies as on /generate/advanced (studio/still_first.py): the shot's elements with images make a
still, and the video opens on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.models import Asset, Job, Scene, Shot
from milimo.db.states import JobType, ShotStatus
from milimo.errors import Conflict, NotFound
from milimo.jobs.params import VideoParams
from milimo.jobs.services import Services
from milimo.media.frames import last_frame
from milimo.media.images import save_jpeg
from milimo.storyboard.prompt import shot_prompt
from milimo.studio import still_first
from milimo.studio.conditioning import resolve_items, select_pipeline
from milimo.studio.elements import Resolution, resolve_shot
from milimo.studio.generation import check_capabilities, check_chained, shot_video_params, snap_to_video_engine
from milimo.studio.ids import new_id
from milimo.studio.paths import media_url, resolve_media_url
from milimo.studio.storyboard import _kind
from milimo.studio.versions import bump_version, check_base_version, require_project

BUSY = (ShotStatus.generating, ShotStatus.generating_thumbnail)


@dataclass(frozen=True)
class _Plan:
    project_id: str
    source: str  # timeline | concept_art | previous_shot | none
    previous_id: str | None
    previous_video: str | None
    previous_take: str | None
    previous_action: str


def _previous(session: Session, shot: Shot) -> Shot | None:
    if shot.scene_id is None:
        return None
    return (
        session.execute(
            select(Shot)
            .where(col(Shot.project_id) == shot.project_id, col(Shot.scene_id) == shot.scene_id, col(Shot.index) < shot.index)
            .order_by(col(Shot.index).desc(), col(Shot.created_at).desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def concept_art_url(session: Session, shot: Shot) -> str | None:
    """The shot's newest concept art: a still its thumbnail jobs made (seed §6.2), whatever the card shows now.
    A finished take puts its own poster frame on the card; the concept art stays the shot's conditioning."""
    return session.execute(
        select(col(Asset.url))
        .join(Job, col(Asset.job_id) == col(Job.id))
        .where(col(Job.shot_id) == shot.id, col(Job.type) == JobType.thumbnail, col(Asset.project_id) == shot.project_id)
        .order_by(col(Asset.created_at).desc())
        .limit(1)
    ).scalar()


def _plan(services: Services, shot_id: str) -> _Plan:
    with services.db.read() as session:
        shot = session.get(Shot, shot_id)
        if shot is None:
            raise NotFound(f"shot {shot_id!r} does not exist")
        prev = _previous(session, shot)
        manual = any(i.get("frame_index", 0) == 0 and i.get("type", "image") == "image" for i in shot.timeline)
        source = (
            "timeline"
            if manual
            else "concept_art"
            if concept_art_url(session, shot) is not None
            else "previous_shot"
            if prev is not None and prev.video_url
            else "none"
        )
        return _Plan(
            shot.project_id,
            source,
            prev.id if prev else None,
            prev.video_url if prev else None,
            prev.media_asset_id if prev else None,
            prev.action if prev else "",
        )


def _continuity_frame(services: Services, plan: _Plan, shot_id: str) -> str:
    return continuity_frame(services.settings, plan.project_id, shot_id, plan.previous_take, plan.previous_video or "")


def continuity_frame(settings: Settings, project_id: str, shot_id: str, take_id: str | None, video_url: str) -> str:
    """Decode the previous take's last frame into the project (once per take); returns its media URL. Heavy: not on the loop."""
    rel = f"assets/references/continuity_{shot_id}_{take_id or 'take'}.jpg"
    out = settings.project_dir(project_id) / rel
    if not out.exists():
        save_jpeg(last_frame(resolve_media_url(settings, project_id, video_url)), out, quality=95)
    return media_url(project_id, rel)


def video_params(
    session: Session, services: Services, shot: Shot, prev: Shot | None, source: str, frame_url: str | None
) -> tuple[VideoParams, Resolution]:
    """The video job's params for a storyboard shot: grid, frame-0 conditioning by priority, the narrative prompt;
    and the shot's elements (for a still-first still)."""
    engine = services.engines.get("video")
    width, height, frames, adjustments = snap_to_video_engine(engine, shot.width, shot.height, shot.num_frames, shot.fps)
    items = list(shot.timeline)
    art = concept_art_url(session, shot) if source == "concept_art" else None
    if art is not None:
        items.append({"url": art, "frame_index": 0, "strength": 1.0, "type": "image"})
    elif frame_url is not None:
        items.append({"url": frame_url, "frame_index": 0, "strength": 1.0, "type": "image"})
    resolved = resolve_items(session, services.settings, shot.project_id, items)
    pipeline = select_pipeline(resolved, frames, shot.pipeline_override)
    chained = check_chained(engine, pipeline, frames, shot.fps)
    if pipeline != "image":
        check_capabilities(engine, pipeline, resolved)
    scene = session.get(Scene, shot.scene_id) if shot.scene_id else None
    heading = scene.name if scene else ""
    prompt = shot.prompt or shot_prompt(
        heading, shot.shot_type, shot.action, shot.character, shot.dialogue, _kind(shot.action, shot.dialogue)
    )
    image = services.engines.get("image")
    story = resolve_shot(
        session,
        services.settings,
        shot.project_id,
        prompt,
        [m["element_id"] for m in shot.matched_elements if isinstance(m, dict) and m.get("element_id")],
        limit=image.capabilities.max_references,
        engine=image.name,
    )
    prompt = story.engine_prompt
    if prev is not None and prev.action.strip():
        prompt = f"{prompt} Following the previous shot: {' '.join(prev.action.split())}"
    shot.width, shot.height, shot.num_frames = width, height, frames
    return shot_video_params(shot, prompt, heading, frames, pipeline, chained, resolved, adjustments), story


def generate_shot(services: Services, shot_id: str, base_version: int | None) -> dict[str, Any]:
    plan = _plan(services, shot_id)
    frame_url = _continuity_frame(services, plan, shot_id) if plan.source == "previous_shot" else None
    engine = services.engines.get("video")
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        shot = session.get(Shot, shot_id)
        if shot is None:
            raise NotFound(f"shot {shot_id!r} was deleted")
        project = require_project(session, shot.project_id)
        check_base_version(session, project, base_version)
        if shot.status in BUSY:
            raise Conflict(f"shot {shot_id!r} is generating already (job {shot.last_job_id}); cancel it or wait")
        prev = _previous(session, shot)
        if (prev.id if prev else None) != plan.previous_id:
            raise Conflict("the scene's shots were reordered while this request was prepared; generate again")
        params, story = video_params(session, services, shot, prev, plan.source, frame_url)
        still = still_first.plan(session, services, shot, params, engine, story, "both")
        still.queue(session, job_id, shot.project_id, engine, shot.id)
        shot.status, shot.last_job_id = ShotStatus.generating, job_id
        bump_version(project)
        session.flush()
        return {
            "job_id": job_id,
            "shot_id": shot.id,
            "project_version": project.version,
            "pipeline": params.pipeline,
            "engine": engine.name,
            "chained": params.chained,
            "adjustments": params.adjustments,
            "conditioned_on": plan.source,
            "previous_shot_id": plan.previous_id,
            "continuity_frame_url": frame_url,
            "still_job_id": still.still_job_id,
        }

    result = services.db.write(write)
    services.executor.wake()
    return result
