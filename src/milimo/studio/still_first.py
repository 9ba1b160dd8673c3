"""Still first (docs/elements.md): a video shot whose elements have reference images opens on a still
the image engine makes from them (seed §2), and the video engine animates it (image-to-video).

Two jobs: the still (an image job, `keyframe`, its asset becomes the shot's keyframe) and the
video, which waits for it (`Job.after_job_id`), reads the still at frame 0, and is cancelled or
failed with it. Either step can be redone alone: `regenerate="still"` makes a new keyframe and
leaves the take alone; `"video"` animates the keyframe the shot already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from milimo.db.models import Asset, Job, Shot
from milimo.db.states import JobType
from milimo.engines.grid import snap_size
from milimo.errors import Invalid
from milimo.jobs import store
from milimo.jobs.params import ConditioningItem, ImageParams, VideoParams
from milimo.jobs.services import Services
from milimo.studio.elements import Resolution
from milimo.studio.ids import new_id

STILL_STEPS, STILL_GUIDANCE = 4, 2.0  # FLUX.2 klein is step-distilled: 4 steps is its native schedule


@dataclass
class StillPlan:
    on: bool
    video_params: VideoParams
    image_job: Job | None = None

    @property
    def still_job_id(self) -> str | None:
        return self.image_job.id if self.image_job is not None else None

    def queue(self, session: Session, job_id: str, project_id: str, engine: Any, shot_id: str) -> None:
        """Add the still's job (if any) and the video job `job_id` that waits for it."""
        if self.image_job is not None:
            session.add(self.image_job)
        session.add(
            store.queued_job(
                job_id, project_id, JobType.video, self.video_params, engine, shot_id=shot_id, after_job_id=self.still_job_id
            )
        )


def applies(shot: Shot, params: VideoParams, engine: Any, story: Resolution) -> bool:
    """On by the shot's switch; unset, on when its elements have images. Never when the user put an
    image at frame 0 already, for one frame, or past what the video engine takes."""
    if params.pipeline != "ti2vid" or any(c.frame_index == 0 for c in params.conditioning) or params.continue_from:
        return False
    if not engine.capabilities.accepts_images or shot.still_first is False:
        return False
    return shot.still_first is True or bool(story.references)


def plan(
    session: Session, services: Services, shot: Shot, params: VideoParams, engine: Any, story: Resolution, regenerate: str
) -> StillPlan:
    on = applies(shot, params, engine, story)
    if regenerate == "video":
        if shot.keyframe_asset_id is None or (keyframe := session.get(Asset, shot.keyframe_asset_id)) is None:
            raise Invalid(
                "this shot has no keyframe still to animate; generate both steps (regenerate='both') or only the still first",
                field="regenerate",
            )
        item = ConditioningItem(rel_path=keyframe.rel_path, frame_index=0, strength=1.0, type="image")
        return StillPlan(True, params.model_copy(update={"conditioning": [item, *params.conditioning]}))
    if not on and regenerate != "still":
        return StillPlan(False, params)
    image = services.engines.get("image")
    caps = image.capabilities
    width = snap_size(params.width, caps.size_multiple, caps.min_size, caps.max_size)
    height = snap_size(params.height, caps.size_multiple, caps.min_size, caps.max_size)
    still = ImageParams(
        prompt=story.engine_prompt,
        user_prompt=shot.prompt,
        negative_prompt=shot.negative_prompt,
        width=width,
        height=height,
        steps=STILL_STEPS,
        guidance=STILL_GUIDANCE,
        seed=shot.seed,
        references=[r.rel_path for r in story.references],
        reference_inputs=[r.asset_id for r in story.references],
        elements=story.elements,
        dropped=story.dropped,
        keyframe=True,
    )
    job = store.queued_job(new_id("job_"), shot.project_id, JobType.image, still, image, shot_id=shot.id)
    return StillPlan(True, params.model_copy(update={"still_job_id": job.id}), job)
