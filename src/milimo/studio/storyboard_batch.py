"""Batch generation of storyboard shots (seed §6): one job per shot, in story order, each after the one before.

Each shot's job waits for the previous job of the batch. A shot whose previous shot in its
scene is also in the batch continues from that shot's new take (its last frame, taken when the
job runs) unless it has a higher-priority image (its own timeline image, its concept art); the
first shot of the batch is conditioned as a single generate would be. A shot that nothing conditions
at frame 0 opens on a still-first still (studio/still_first.py) when its elements have images: the
still's image job is queued just before the shot's job, which is claimed only once the still completed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.db.models import Scene, Shot, utcnow
from milimo.db.states import JobType, ShotStatus
from milimo.errors import Conflict, Invalid
from milimo.jobs import store
from milimo.jobs.params import StoryboardShotParams
from milimo.jobs.services import Services
from milimo.studio import still_first
from milimo.studio.ids import new_id
from milimo.studio.storyboard_generate import BUSY, _plan, _previous, concept_art_url, continuity_frame, video_params
from milimo.studio.versions import bump_version, check_base_version, require_project


def _story_order(session: Session, project_id: str, ids: list[str]) -> list[Shot]:
    rows = session.execute(
        select(Shot, col(Scene.index))
        .join(Scene, col(Scene.id) == col(Shot.scene_id), isouter=True)
        .where(col(Shot.project_id) == project_id, col(Shot.id).in_(ids))
    ).all()
    found = {shot.id: (shot, scene_index) for shot, scene_index in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"shot {missing[0]!r} is not a shot of this project; reload the storyboard", shot_id=missing[0])
    return [s for s, _ in sorted(found.values(), key=lambda t: (t[1] if t[1] is not None else 1 << 30, t[0].index, t[0].id))]


def batch_generate(services: Services, project_id: str, shot_ids: list[str], base_version: int | None) -> dict[str, Any]:
    unique = list(dict.fromkeys(shot_ids))
    with services.db.read() as session:
        require_project(session, project_id)
        first = _story_order(session, project_id, unique)[0].id
    plan = _plan(services, first)  # the first shot continues from an existing take, decoded here, off the writer
    first_frame = (
        continuity_frame(services.settings, project_id, first, plan.previous_take, plan.previous_video or "")
        if plan.source == "previous_shot"
        else None
    )
    engine = services.engines.get("video")

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, project_id)
        check_base_version(session, project, base_version)
        shots = _story_order(session, project_id, unique)
        busy = [s.id for s in shots if s.status in BUSY]
        if busy:
            raise Conflict(f"shot {busy[0]!r} is generating already; cancel it or leave it out of the batch", shot_id=busy[0])
        in_batch = {s.id for s in shots}
        results, after, queued_at = [], None, utcnow()
        for n, shot in enumerate(shots):
            prev = _previous(session, shot)
            manual = any(i.get("frame_index", 0) == 0 and i.get("type", "image") == "image" for i in shot.timeline)
            frame, follow = None, None
            if manual:
                source = "timeline"
            elif concept_art_url(session, shot) is not None:
                source = "concept_art"
            elif prev is not None and (prev.id in in_batch or prev.video_url):
                source = "previous_shot"
                if n == 0:
                    frame = first_frame  # an existing take, decoded before the write
                else:
                    follow = prev.id  # its take is made by the job before this one: read its last frame when this runs
            else:
                source = "none"
            video, story = video_params(session, services, shot, prev, "none" if source == "previous_shot" else source, frame)
            still = None
            if follow is None:  # a shot that continues from the take made before it has its frame 0 already
                planned = still_first.plan(session, services, shot, video, engine, story, "both")
                video, still = planned.video_params, planned.image_job
            job_id = new_id("job_")
            params = StoryboardShotParams(video=video, after_job_id=after, continue_from_shot_id=follow)
            # Claimed oldest first: each job is queued strictly after the one it waits for (and after its still).
            if still is not None:
                still.created_at = queued_at + timedelta(microseconds=2 * n)
                session.add(still)
            session.add(
                store.queued_job(
                    job_id,
                    project_id,
                    JobType.storyboard_shot,
                    params,
                    engine,
                    shot_id=shot.id,
                    after_job_id=still.id if still is not None else None,
                    created_at=queued_at + timedelta(microseconds=2 * n + 1),  # claimed in story order
                )
            )
            shot.status, shot.last_job_id = ShotStatus.generating, job_id
            results.append(
                {
                    "shot_id": shot.id,
                    "job_id": job_id,
                    "after_job_id": after,
                    "conditioned_on": source,
                    "previous_shot_id": prev.id if prev else None,
                    "still_job_id": still.id if still is not None else None,
                }
            )
            after = job_id
        bump_version(project)
        session.flush()
        return {"project_version": project.version, "engine": engine.name, "results": results}

    result = services.db.write(write)
    services.executor.wake()
    return result
