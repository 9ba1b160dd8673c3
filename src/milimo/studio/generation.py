"""Submitting generation (seed §1 and §2): validate, snap to the engine grid, write the job and the
shot in one transaction, wake a worker. The worker side lives in milimo.tasks."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from milimo.context import Studio
from milimo.db.models import Job, Scene, Shot
from milimo.engines.grid import Adjustment, snap_size, snap_video
from milimo.errors import Invalid
from milimo.jobs.schemas import GenerateAdvanced, GenerateImage
from milimo.studio.conditioning import ResolvedItem, resolve_items, select_pipeline
from milimo.studio.ids import new_id
from milimo.studio.shots import ShotBatch
from milimo.studio.schemas import ShotUpsert
from milimo.studio.versions import bump_version, require_project


def _snap(studio: Studio, width: int, height: int, num_frames: int) -> tuple[int, int, int, list[Adjustment], Any]:
    """Snap to the grid of the engine that will run (image engine for one frame). Says what changed."""
    if num_frames == 1:
        engine = studio.engines.get("image")
        caps = engine.capabilities
        w = snap_size(width, caps.size_multiple, caps.min_size, caps.max_size)
        h = snap_size(height, caps.size_multiple, caps.min_size, caps.max_size)
        notes = [Adjustment(f, r, u, f"{f} must be a multiple of {caps.size_multiple} between {caps.min_size} and {caps.max_size}")
                 for f, r, u in (("width", width, w), ("height", height, h)) if r != u]
        return w, h, 1, notes, engine
    engine = studio.engines.get("video")
    caps = engine.capabilities
    w, h, f, notes = snap_video(width, height, num_frames, frame_step=caps.frame_step,
                                size_multiple=caps.size_multiple, min_size=caps.min_size, max_size=caps.max_size)
    if num_frames > caps.native_max_frames:
        # Chained (seed §4): the shot gets exactly the frames asked for; only each engine call is on the grid.
        notes = [n for n in notes if n.field != "num_frames"]
        f = num_frames
    return w, h, f, notes, engine


def _effective(studio: Studio, req: GenerateAdvanced) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields the request sets, the shot's size and length as they will be)."""
    cfg = req.shot_config
    sent = cfg.model_dump(include=cfg.model_fields_set - {"id", "num_inference_steps"})
    sent["prompt"] = cfg.prompt
    if cfg.num_inference_steps is not None:
        sent["steps"] = cfg.num_inference_steps
    with studio.db.read() as session:
        project = require_project(session, req.project_id)
        shot = session.get(Shot, cfg.id) if cfg.id else None
        base = ({"width": shot.width, "height": shot.height, "num_frames": shot.num_frames} if shot is not None else
                {"width": project.resolution_w, "height": project.resolution_h, "num_frames": Shot.model_fields["num_frames"].default})
    return sent, {**base, **{k: v for k, v in sent.items() if v is not None}}


def _check_capabilities(engine, pipeline: str, items: list[ResolvedItem]) -> None:
    caps = engine.capabilities
    if pipeline == "ic_lora" and not caps.accepts_video:
        raise Invalid(f"the {engine.name} engine cannot take video conditioning; remove the video item or pick another pipeline")
    if pipeline == "keyframe" and not caps.accepts_keyframes:
        raise Invalid(f"the {engine.name} engine cannot interpolate keyframes; keep one image at frame 0")
    if pipeline in ("ti2vid", "keyframe") and any(i.type == "video" for i in items):
        raise Invalid(f"pipeline {pipeline!r} cannot use a video conditioning item; use ic_lora or auto")
    if items and pipeline == "ti2vid" and not caps.accepts_images:
        raise Invalid(f"the {engine.name} engine cannot take conditioning images")


def submit_advanced(studio: Studio, req: GenerateAdvanced) -> dict[str, Any]:
    cfg = req.shot_config
    sent, shot_now = _effective(studio, req)
    width, height, frames, adjustments, engine = _snap(studio, shot_now["width"], shot_now["height"], shot_now["num_frames"])
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        project = require_project(session, req.project_id)
        fields = {**sent, "width": width, "height": height, "num_frames": frames}
        shot = ShotBatch(session, project, [ShotUpsert(id=cfg.id)] if cfg.id else []).upsert(ShotUpsert(id=cfg.id, **fields))
        session.flush()
        items = resolve_items(session, studio.settings, project.id, shot.timeline)
        for i, item in enumerate(items):
            if item.frame_index > frames - 1:  # e.g. an end keyframe at the requested, not the snapped, length
                adjustments.append(Adjustment(f"timeline[{i}].frame_index", item.frame_index, frames - 1, "past the last frame"))
                items[i] = ResolvedItem(item.rel_path, frames - 1, item.strength, item.type)
        pipeline = select_pipeline(items, frames, shot.pipeline_override)
        chained = pipeline != "image" and frames > engine.capabilities.native_max_frames
        if chained and pipeline != "ti2vid":
            raise Invalid(f"{frames} frames need chained generation, which works with the ti2vid pipeline only "
                          f"(not {pipeline}); shorten the shot to {engine.capabilities.native_max_frames} frames or remove "
                          f"the keyframe/video conditioning")
        if pipeline != "image":
            _check_capabilities(engine, pipeline, items)
        scene = session.get(Scene, shot.scene_id) if shot.scene_id else None
        params = {
            "prompt": shot.prompt, "negative_prompt": shot.negative_prompt, "seed": shot.seed, "width": width,
            "height": height, "num_frames": frames, "fps": shot.fps, "steps": shot.steps, "cfg": shot.cfg_scale,
            "enhance_prompt": shot.enhance_prompt, "upscale": shot.upscale, "pipeline": pipeline, "chained": chained,
            "conditioning": [i.as_dict() for i in items],
            "continue_from": _previous_take(session, shot) if shot.auto_continue and not any(i.frame_index == 0 for i in items) else None,
            "context": {"scene_heading": scene.name if scene else "", "action": shot.action, "dialogue": shot.dialogue,
                        "character": shot.character, "shot_type": shot.shot_type},
            "adjustments": [a.as_dict() for a in adjustments],
        }
        session.add(Job(id=job_id, project_id=project.id, shot_id=shot.id, type="video", family=engine.family,
                        engine=engine.name, engine_version=engine.version, params=params))
        shot.status, shot.last_job_id = "generating", job_id
        bump_version(project)
        session.flush()
        return {"job_id": job_id, "shot_id": shot.id, "project_version": project.version, "pipeline": pipeline,
                "engine": engine.name, "chained": chained, "adjustments": [a.as_dict() for a in adjustments]}

    result = studio.db.write(write)
    studio.wake_workers()
    return result


def _previous_take(session: Session, shot: Shot) -> str | None:
    """The media of the shot before this one on its track, for auto-continue (its last frame)."""
    t = Shot.__table__.c
    prev = session.execute(
        select(Shot.video_url).where(t.project_id == shot.project_id, t.track_index == shot.track_index,
                                     t.start_frame < shot.start_frame, t.video_url.is_not(None), t.id != shot.id)
        .order_by(t.start_frame.desc()).limit(1)
    ).scalar()
    return prev


def submit_image(studio: Studio, req: GenerateImage) -> dict[str, Any]:
    engine = studio.engines.get("image")
    caps = engine.capabilities
    width = snap_size(req.width, caps.size_multiple, caps.min_size, caps.max_size)
    height = snap_size(req.height, caps.size_multiple, caps.min_size, caps.max_size)
    adjustments = [Adjustment(f, r, u, f"{f} must be a multiple of {caps.size_multiple}").as_dict()
                   for f, r, u in (("width", req.width, width), ("height", req.height, height)) if r != u]
    if len(req.reference_images) > caps.max_references:
        raise Invalid(f"the {engine.name} engine takes at most {caps.max_references} reference images; you sent {len(req.reference_images)}")
    seed = req.seed if req.seed is not None else random.randint(0, 2**32 - 1)  # recorded, so the image can be remade
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        require_project(session, req.project_id)
        items = [{"asset_id": r, "type": "image"} if "/" not in r else {"url": r, "type": "image"} for r in req.reference_images]
        refs = resolve_items(session, studio.settings, req.project_id, items)
        params = {"prompt": req.prompt, "negative_prompt": req.negative_prompt, "width": width, "height": height,
                  "steps": req.num_inference_steps, "guidance": req.guidance_scale, "seed": seed,
                  "references": [r.rel_path for r in refs], "reference_inputs": req.reference_images,
                  "true_cfg": req.enable_true_cfg, "enhance_prompt": req.enhance_prompt, "adjustments": adjustments}
        session.add(Job(id=job_id, project_id=req.project_id, type="image", family=engine.family, engine=engine.name,
                        engine_version=engine.version, params=params))
        return {"job_id": job_id, "engine": engine.name, "adjustments": adjustments}

    result = studio.db.write(write)
    studio.wake_workers()
    return result

