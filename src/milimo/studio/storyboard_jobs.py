"""Storyboard jobs: concept-art thumbnails for shot cards (seed §6.2) and AI parse (seed §6.1).

One image job per shot that has no thumbnail yet (others are counted as skipped, unless
`force`). The shot's status, video and take are never touched: a thumbnail is not a take, and
`force` never unlinks a video (the public implementation did). A shot whose concept art is queued
or being made already is skipped too, `force` included: a second click must not queue a second
job for the same picture. The job row names the shot, so
its events route to the card by `shot_id`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.db.models import Job, Scene, Shot
from milimo.db.states import ACTIVE, JobType
from milimo.engines.grid import snap_size
from milimo.errors import Invalid
from milimo.jobs import store
from milimo.jobs.params import AIParseParams, ThumbnailParams
from milimo.jobs.services import Services
from milimo.storyboard.parse import check_text
from milimo.storyboard.prompt import concept_prompt
from milimo.studio.elements import resolve_shot
from milimo.studio.ids import new_id
from milimo.studio.storyboard import check_script_size
from milimo.studio.storyboard_schemas import ParseRequest, ThumbnailRequest
from milimo.studio.versions import require_project

THUMBNAIL_STEPS = 15
THUMBNAIL_GUIDANCE = 2.0


def queue_thumbnails(services: Services, project_id: str, req: ThumbnailRequest) -> dict[str, Any]:
    engine = services.engines.get("image")
    caps = engine.capabilities
    width = snap_size(req.width, caps.size_multiple, caps.min_size, caps.max_size)
    height = snap_size(req.height, caps.size_multiple, caps.min_size, caps.max_size)

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        shots = {
            s.id: s
            for s in session.execute(
                select(Shot).where(col(Shot.project_id) == project_id, col(Shot.id).in_(req.shot_ids))
            ).scalars()
        }
        missing = [sid for sid in req.shot_ids if sid not in shots]
        if missing:
            raise Invalid(f"shot {missing[0]!r} is not a shot of this project; reload the storyboard", shot_id=missing[0])
        making = dict(
            session.execute(
                select(col(Job.shot_id), col(Job.id)).where(
                    col(Job.project_id) == project_id,
                    col(Job.type) == JobType.thumbnail,
                    col(Job.status).in_(ACTIVE),
                    col(Job.shot_id).in_(req.shot_ids),
                )
            ).all()
        )
        headings = dict(session.execute(select(col(Scene.id), col(Scene.name)).where(col(Scene.project_id) == project_id)).all())
        results = []
        for sid in dict.fromkeys(req.shot_ids):  # each shot once, in the order asked
            shot = shots[sid]
            if sid in making:
                detail = "its concept art is being made already; wait for it, or cancel that job"
                results.append({"shot_id": sid, "status": "skipped", "job_id": making[sid], "detail": detail})
                continue
            if shot.thumbnail_url and not req.force:
                results.append({"shot_id": sid, "status": "skipped", "detail": "has concept art already (send force to redo it)"})
                continue
            # The shot's elements (matched, or named by trigger) as they are now: their images, their words.
            story = resolve_shot(
                session,
                services.settings,
                project_id,
                concept_prompt(headings.get(shot.scene_id, ""), shot.shot_type, shot.action, shot.character),
                [m["element_id"] for m in shot.matched_elements if isinstance(m, dict) and m.get("element_id")],
                limit=caps.max_references or 0,
                engine=engine.name,
            )
            params = ThumbnailParams(
                prompt=story.engine_prompt,
                width=width,
                height=height,
                steps=THUMBNAIL_STEPS,
                guidance=THUMBNAIL_GUIDANCE,
                seed=shot.seed,
                references=[r.rel_path for r in story.references],
            )
            job_id = new_id("thumb_")
            session.add(store.queued_job(job_id, project_id, JobType.thumbnail, params, engine, shot_id=sid))
            results.append({"shot_id": sid, "status": "queued", "job_id": job_id})
        queued = sum(r["status"] == "queued" for r in results)
        return {
            "queued": queued,
            "skipped": len(results) - queued,
            "engine": engine.name,
            "width": width,
            "height": height,
            "results": results,
        }

    result = services.db.write(write)
    if result["queued"]:
        services.executor.wake()
    return result


def queue_ai_parse(services: Services, project_id: str, req: ParseRequest, grid: Any) -> dict[str, Any]:
    """Seed §6.1 as a job: the text engine reads the script in a slot; GET /status/{job_id} then has the storyboard."""
    check_script_size(services.settings, req.script_text)
    check_text(req.script_text)
    engine = services.engines.get("text")
    params = AIParseParams(
        script_text=req.script_text,
        fallback_mode=req.parse_mode,
        fps=grid.fps,
        frame_step=grid.frame_step,
        native_max_frames=grid.native_max_frames,
    )
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        session.add(store.queued_job(job_id, project_id, JobType.ai_parse, params, engine))
        return {"job_id": job_id, "engine": engine.name, "status": "queued"}

    result = services.db.write(write)
    services.executor.wake()
    return result
