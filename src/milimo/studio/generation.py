"""Submitting generation (seed §1 and §2): validate, snap to the engine grid, write the job and the
shot in one transaction, wake a worker. The worker side lives in milimo.tasks.

What a job will do is decided here, once, and written as its typed params (jobs/params.py):
the task reads those and nothing else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.db.models import Scene, Shot, table_of
from milimo.db.states import ShotStatus
from milimo.engines.grid import Adjustment, snap_size, snap_video
from milimo.engines.protocols import VideoEngine, native_max_frames
from milimo.errors import Invalid
from milimo.jobs.params import ConditioningItem, Pipeline, ShotStory, VideoParams
from milimo.jobs.services import Services
from milimo.studio import still_first
from milimo.studio.conditioning import resolve_items, select_pipeline
from milimo.studio.elements import Resolution, resolve_shot
from milimo.studio.generation_schemas import GenerateAdvanced
from milimo.studio.ids import new_id
from milimo.studio.schemas import ShotUpsert
from milimo.studio.shots import ShotBatch
from milimo.studio.versions import bump_version, check_base_version, require_project


def _size_notes(width: int, height: int, w: int, h: int, multiple: int, lo: int, hi: int) -> list[Adjustment]:
    return [
        Adjustment(field=f, requested=r, used=u, reason=f"{f} must be a multiple of {multiple} between {lo} and {hi}")
        for f, r, u in (("width", width, w), ("height", height, h))
        if r != u
    ]


def snap_to_video_engine(
    engine: VideoEngine, width: int, height: int, num_frames: int, fps: float
) -> tuple[int, int, int, list[Adjustment]]:
    """(width, height, frames, adjustments) on the video engine's grid. A shot longer than one call at
    its rate is chained (seed §4): it keeps exactly the frames asked for; only each call is on the grid."""
    caps = engine.capabilities
    w, h, f, notes = snap_video(
        width,
        height,
        num_frames,
        frame_step=caps.frame_step,
        size_multiple=caps.size_multiple,
        min_size=caps.min_size,
        max_size=caps.max_size,
    )
    if num_frames > native_max_frames(engine, fps):
        notes = [n for n in notes if n.field != "num_frames"]
        f = num_frames
    return w, h, f, notes


def check_chained(engine: VideoEngine, pipeline: Pipeline, frames: int, fps: float) -> bool:
    """Whether the shot is chained (longer than one engine call at its rate, seed §4); only ti2vid
    chains, anything else is refused."""
    if pipeline == "image":  # one frame runs on the image engine, which has no native length
        return False
    limit = native_max_frames(engine, fps)
    chained = frames > limit
    if chained and pipeline != "ti2vid":
        raise Invalid(
            f"{frames} frames need chained generation, which works with the ti2vid pipeline only (not "
            f"{pipeline}); shorten the shot to {limit} frames or remove the keyframe/video conditioning"
        )
    return chained


def _snap(
    services: Services, width: int, height: int, num_frames: int, fps: float
) -> tuple[int, int, int, list[Adjustment], Any]:
    """Snap to the grid of the engine that will run (image engine for one frame). Says what changed."""
    if num_frames == 1:
        image = services.engines.get("image")
        icaps = image.capabilities
        w = snap_size(width, icaps.size_multiple, icaps.min_size, icaps.max_size)
        h = snap_size(height, icaps.size_multiple, icaps.min_size, icaps.max_size)
        return w, h, 1, _size_notes(width, height, w, h, icaps.size_multiple, icaps.min_size, icaps.max_size), image
    engine = services.engines.get("video")
    w, h, f, notes = snap_to_video_engine(engine, width, height, num_frames, fps)
    return w, h, f, notes, engine


def _effective(services: Services, req: GenerateAdvanced) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields the request sets, the shot's size and length as they will be)."""
    cfg = req.shot_config
    sent = cfg.model_dump(include=cfg.model_fields_set - {"id", "num_inference_steps"})
    sent["prompt"] = cfg.prompt
    if cfg.num_inference_steps is not None:
        sent["steps"] = cfg.num_inference_steps
    with services.db.read() as session:
        project = require_project(session, req.project_id)
        shot = session.get(Shot, cfg.id) if cfg.id else None
        base = (
            {"width": shot.width, "height": shot.height, "num_frames": shot.num_frames, "fps": shot.fps}
            if shot is not None
            else {
                "width": project.resolution_w,
                "height": project.resolution_h,
                "num_frames": Shot.model_fields["num_frames"].default,
                "fps": project.fps,
            }
        )
    return sent, {**base, **{k: v for k, v in sent.items() if v is not None}}


def check_capabilities(engine: Any, pipeline: Pipeline, items: list[ConditioningItem]) -> None:
    """A 422 at submit for conditioning the engine cannot take (not a failed job later)."""
    caps = engine.capabilities
    if pipeline == "ic_lora" and not caps.accepts_video:
        raise Invalid(f"the {engine.name} engine cannot take video conditioning; remove the video item or pick another pipeline")
    if pipeline == "keyframe" and not caps.accepts_keyframes:
        raise Invalid(f"the {engine.name} engine cannot interpolate keyframes; keep one image at frame 0")
    if pipeline in ("ti2vid", "keyframe") and any(i.type == "video" for i in items):
        raise Invalid(f"pipeline {pipeline!r} cannot use a video conditioning item; use ic_lora or auto")
    if items and pipeline == "ti2vid" and not caps.accepts_images:
        raise Invalid(f"the {engine.name} engine cannot take conditioning images")


def _fit_to_length(items: list[ConditioningItem], frames: int, adjustments: list[Adjustment]) -> list[ConditioningItem]:
    """An item past the last frame (e.g. an end keyframe at the requested, not the snapped, length) moves onto it."""
    fitted = []
    for i, item in enumerate(items):
        if item.frame_index > frames - 1:
            adjustments.append(
                Adjustment(
                    field=f"timeline[{i}].frame_index", requested=item.frame_index, used=frames - 1, reason="past the last frame"
                )
            )
            item = item.model_copy(update={"frame_index": frames - 1})
        fitted.append(item)
    return fitted


def _video_params(
    session: Session, services: Services, shot: Shot, engine: Any, frames: int, adjustments: list[Adjustment], story: Resolution
) -> VideoParams:
    items = _fit_to_length(resolve_items(session, services.settings, shot.project_id, shot.timeline), frames, adjustments)
    pipeline = select_pipeline(items, frames, shot.pipeline_override)
    chained = check_chained(engine, pipeline, frames, shot.fps)
    if pipeline != "image":
        check_capabilities(engine, pipeline, items)
    scene = session.get(Scene, shot.scene_id) if shot.scene_id else None
    opens_shot = any(i.frame_index == 0 for i in items)
    return shot_video_params(
        shot,
        story.engine_prompt,
        scene.name if scene else "",
        frames,
        pipeline,
        chained,
        items,
        adjustments,
        continue_from=_previous_take(session, shot) if shot.auto_continue and not opens_shot else None,
    )


def shot_video_params(
    shot: Shot,
    prompt: str,
    scene_heading: str,
    frames: int,
    pipeline: Pipeline,
    chained: bool,
    conditioning: list[ConditioningItem],
    adjustments: list[Adjustment],
    continue_from: str | None = None,
) -> VideoParams:
    """A video job's params: the shot's settings (its size already on the grid) and what submit decided."""
    return VideoParams(
        prompt=prompt,
        negative_prompt=shot.negative_prompt,
        seed=shot.seed,
        width=shot.width,
        height=shot.height,
        num_frames=frames,
        fps=shot.fps,
        steps=shot.steps,
        cfg=shot.cfg_scale,
        enhance_prompt=shot.enhance_prompt,
        upscale=shot.upscale,
        pipeline=pipeline,
        chained=chained,
        conditioning=conditioning,
        continue_from=continue_from,
        context=ShotStory(
            scene_heading=scene_heading,
            action=shot.action,
            dialogue=shot.dialogue,
            character=shot.character,
            shot_type=shot.shot_type,
        ),
        adjustments=adjustments,
    )


def shot_elements(session: Session, services: Services, shot: Shot) -> Resolution:
    """The shot's elements (matched by the storyboard, or named by a trigger in its prompt) and their
    images up to the image engine's limit (for a still-first still); the prompt with triggers as words."""
    image = services.engines.get("image")
    return resolve_shot(
        session,
        services.settings,
        shot.project_id,
        shot.prompt or shot.action,
        [m["element_id"] for m in shot.matched_elements if m.get("element_id")],
        limit=image.capabilities.max_references,
        engine=image.name,
    )


def submit_advanced(services: Services, req: GenerateAdvanced) -> dict[str, Any]:
    cfg = req.shot_config
    sent, shot_now = _effective(services, req)
    width, height, frames, adjustments, engine = _snap(
        services, shot_now["width"], shot_now["height"], shot_now["num_frames"], shot_now["fps"]
    )
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, req.project_id)
        check_base_version(session, project, req.base_version)
        fields = {**sent, "width": width, "height": height, "num_frames": frames}
        shot = ShotBatch(session, project, [ShotUpsert(id=cfg.id)] if cfg.id else []).upsert(ShotUpsert(id=cfg.id, **fields))
        # upsert answers None only for an item of the batch stored exactly as sent; this item is not in the batch
        assert shot is not None
        session.flush()
        story = shot_elements(session, services, shot)
        params = _video_params(session, services, shot, engine, frames, adjustments, story)
        still = still_first.plan(session, services, shot, params, engine, story, req.regenerate)
        bump_version(project)
        base = {
            "shot_id": shot.id,
            "project_version": project.version,
            "pipeline": params.pipeline,
            "engine": engine.name,
            "chained": params.chained,
            "adjustments": params.adjustments,
            "still_first": still.on,
        }
        if still.image_job is not None and req.regenerate == "still":  # only the keyframe: the shot keeps its take
            session.add(still.image_job)
            session.flush()
            return {**base, "job_id": still.image_job.id, "still_job_id": still.image_job.id}
        still.queue(session, job_id, project.id, engine, shot.id)
        shot.status, shot.last_job_id = ShotStatus.generating, job_id
        session.flush()
        return {**base, "job_id": job_id, "still_job_id": still.still_job_id}

    result = services.db.write(write)
    services.executor.wake()
    return result


def _previous_take(session: Session, shot: Shot) -> str | None:
    """The media of the shot before this one on its track, for auto-continue (its last frame)."""
    t = table_of(Shot).c
    prev = session.execute(
        select(col(Shot.video_url))
        .where(
            t.project_id == shot.project_id,
            t.track_index == shot.track_index,
            t.start_frame < shot.start_frame,
            t.video_url.is_not(None),
            t.id != shot.id,
        )
        .order_by(t.start_frame.desc())
        .limit(1)
    ).scalar()
    return prev
