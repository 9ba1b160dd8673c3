"""Video generation (seed §1): the worker side of POST /generate/advanced.

processing -> "Loading models..." -> (1 frame: the image engine) -> prompt enhancement
-> conditioning -> engine with a step callback -> encode -> thumbnail -> completed, shot updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from milimo.db.models import Asset
from milimo.engines.protocols import ConditioningImage, ConditioningVideo, ImageRequest, ShotContext, VideoRequest
from milimo.errors import Invalid
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, ShotTake, TaskResult
from milimo.jobs.params import ShotStory, VideoParams
from milimo.jobs.run import JobRun
from milimo.media import MediaInfo, encode_video, last_frame, probe, save_jpeg, thumbnail
from milimo.media.frames import THUMBNAIL_AT_SECONDS, THUMBNAIL_QUALITY
from milimo.studio.paths import resolve_media_url
from milimo.tasks.chained import plan_for, run_chained
from milimo.tasks.common import enhance, generated_video_asset, load_image, project_file, save_still

# Progress budget of a video job, in percent.
ENHANCE_AT, GENERATE_FROM, GENERATE_TO, ENCODE_TO = 5, 10, 90, 97


def run_video(run: JobRun, p: VideoParams) -> TaskResult:
    if p.pipeline == "image":
        return _single_frame(run, p)
    services = run.services
    engine = services.engines.get("video")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)

    images, videos = _conditioning(run, p)
    prompt, enhanced = p.prompt, None
    if p.enhance_prompt:
        first = next((c.image for c in images if c.frame_index == 0), None)
        result = enhance(run, prompt, mode="video", image=first, duration_s=p.duration_s, seed=p.seed, at=ENHANCE_AT)
        prompt = enhanced = result.prompt
        if result.is_reference_only:
            images = []  # a character sheet is not a first frame
        store.record_enhanced_prompt(services.db, run.job.shot_id, run.job_id, enhanced)

    request = VideoRequest(
        prompt=prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        num_frames=p.num_frames,
        fps=p.fps,
        seed=p.seed,
        steps=p.steps,
        cfg=p.cfg,
        pipeline=p.pipeline,
        images=images,
        videos=videos,
        upscale=p.upscale,
        context=_story(p.context),
    )
    out = run.project_dir / "generated" / f"{run.job_id}.mp4"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)

    chunk_prompts = _continuation_prompts(run, engine, prompt, p) if p.chained and p.enhance_prompt else None
    with services.residency.use(engine, on_status=lambda m: run.progress(GENERATE_FROM - 1, m)):
        run.progress(GENERATE_FROM, "Starting generation...")
        if p.chained:
            frames_written, clip = run_chained(run, engine, request, out, chunk_prompts), None
        else:
            clip = _generate_and_encode(run, engine, request, out)
            frames_written = clip.num_frames
    run.progress(ENCODE_TO, "Making thumbnail...")
    info: _Clip | MediaInfo
    if clip is not None:  # the thumbnail frame was kept while encoding: no second decode of the MP4
        _save_thumbnail(clip.still, thumb)
        info = clip
    else:
        thumbnail(out, thumb)
        info = probe(out)

    asset, url, thumb_url = generated_video_asset(
        run,
        out,
        thumb,
        kind="generated",
        width=info.width,
        height=info.height,
        duration_s=info.duration,
        fps=info.fps_float,
        num_frames=info.num_frames,
        engine_name=engine.name,
        meta={
            "prompt": p.prompt,
            "enhanced_prompt": enhanced,
            "seed": p.seed,
            "pipeline": p.pipeline,
            "steps": p.steps,
            "cfg": p.cfg,
            "engine_version": engine.version,
            # LTX-2.5 DFR: the pass kept beside the take, which "smooth motion ×2" refines (studio/smooth_motion.py)
            **({"dfr_state": clip.dfr_state} if clip is not None and clip.dfr_state else {}),
        },
    )
    # still first: which still opened the video (the shot's keyframe asset)
    still = {"conditioned_on": _still(run, p.still_job_id).id} if p.still_job_id else {}
    outputs = JobOutputs(
        video_url=url,
        url=url,
        thumbnail_url=thumb_url,
        actual_frames=frames_written,
        enhanced_prompt=enhanced,
        engine=engine.name,
        asset_id=asset.id,
        has_audio=info.has_audio,
        **still,
    )
    return TaskResult(
        outputs=outputs,
        event={"type": "video"},
        take=ShotTake(
            media_asset_id=asset.id, video_url=url, thumbnail_url=thumb_url, engine=engine.name, actual_frames=frames_written
        ),
        new_rows=[asset],
    )


def _story(story: ShotStory) -> ShotContext:
    return ShotContext(
        scene_heading=story.scene_heading,
        action=story.action,
        dialogue=story.dialogue,
        character=story.character,
        shot_type=story.shot_type,
    )


@dataclass(frozen=True)
class _Clip:
    """What the asset row needs of a clip just encoded, and the frame its thumbnail shows."""

    num_frames: int
    width: int
    height: int
    fps_float: float
    duration: float
    has_audio: bool
    still: np.ndarray
    dfr_state: str | None = None  # project-relative path of the DFR sidecar, when the engine kept its pass


def _generate_and_encode(run: JobRun, engine, request: VideoRequest, out: Path) -> _Clip:
    steps = _StepTracker(run.steps(GENERATE_FROM, GENERATE_TO, "Generating"))
    video = engine.generate(request, steps)
    # Engines that compute every frame first (LTX-2) have finished their steps here; draft
    # engines render while the encoder pulls, so their step callback carries the progress.
    eager = steps.done
    encode_steps = run.steps(GENERATE_TO, ENCODE_TO, "Encoding")
    at = min(max(0, round(THUMBNAIL_AT_SECONDS * video.fps)), max(0, video.num_frames - 1))
    kept: list[np.ndarray] = []

    def frames():
        source = iter(video.frames)
        try:
            for i, frame in enumerate(source):
                if i == at or not kept:  # a copy: the source may reuse its buffer for the next frame
                    kept[:] = [np.array(frame, copy=True)]
                yield frame
        finally:  # a cancelled encode closes the source at once (a draft's conditioning video)
            getattr(source, "close", lambda: None)()

    encoded = encode_video(
        frames(),
        out,
        fps=video.fps,
        width=video.width,
        height=video.height,
        audio=video.audio,
        on_frame=(lambda i: encode_steps(i + 1, video.num_frames)) if eager else (lambda i: run.check_cancel()),
    )
    n = encoded.num_frames
    return _Clip(
        n,
        video.width,
        video.height,
        float(encoded.fps),
        float(n / encoded.fps),
        video.audio is not None,
        kept[0],
        _keep_state(run, video),
    )


def _keep_state(run: JobRun, video) -> str | None:
    """An engine that hands back its pass (LTX-2.5 DFR: latents, keyframes, positions) gets it saved beside the take."""
    save = getattr(video.latents, "save", None)
    if not callable(save):
        return None
    path = run.project_dir / "generated" / f"{run.job_id}.dfr.safetensors"
    run.remove_on_failure(path)
    save(path)
    return f"generated/{path.name}"


def _save_thumbnail(frame: np.ndarray, path: Path, max_width: int = 512) -> None:
    """The same JPEG media.thumbnail makes from the file, made from the frame in memory."""
    image = Image.fromarray(frame)
    if image.width > max_width:
        image = image.resize(
            (max_width, max(1, round(image.height * max_width / image.width))), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
    save_jpeg(image, path, quality=THUMBNAIL_QUALITY)


def _continuation_prompts(run: JobRun, engine, prompt: str, p: VideoParams) -> list[str]:
    """Seed §4: each later chunk gets a continuation prompt from the text engine. Written before the
    video model is loaded, so the text model never competes with it for the device."""
    chunks = plan_for(engine, p.num_frames, p.fps)
    prompts = [prompt]
    for chunk in chunks[1:]:
        story = (
            f"{prompt} The same continuous shot carries on (part {chunk.index + 1} of {len(chunks)}): "
            f"the action keeps moving forward from where the previous part ended, with no cut."
        )
        seconds = chunk.keep / p.fps
        prompts.append(
            enhance(run, story, mode="video", image=None, duration_s=seconds, seed=p.seed + chunk.index, at=ENHANCE_AT).prompt
        )
    return prompts


class _StepTracker:
    """Wraps a step callback and remembers whether the engine reported its last step."""

    def __init__(self, on_step) -> None:
        self.on_step, self.done = on_step, False

    def __call__(self, step: int, total: int) -> None:
        self.on_step(step, total)
        self.done = step >= total


def _conditioning(run: JobRun, p: VideoParams) -> tuple[list[ConditioningImage], list[ConditioningVideo]]:
    images, videos = [], []
    if p.still_job_id:  # still first: this job waited for the still; it is frame 0, at full strength
        images.append(ConditioningImage(load_image(run, _still(run, p.still_job_id).rel_path), 0, 1.0))
    for item in p.conditioning:
        if item.type == "video":
            videos.append(ConditioningVideo(project_file(run, item.rel_path), item.frame_index, item.strength))
        else:
            images.append(ConditioningImage(load_image(run, item.rel_path), item.frame_index, item.strength))
    if p.continue_from:
        # Auto-continue: the previous shot's last frame opens this one.
        try:
            source = resolve_media_url(run.services.settings, run.project_id, p.continue_from)
            frame = last_frame(source) if source.suffix == ".mp4" else load_image(run, _rel(run, source))
            images.insert(0, ConditioningImage(frame.convert("RGB"), 0, 1.0))
            run.log("Continuing from the previous shot's last frame")
        except Exception as exc:  # the previous take vanished: generate without it, and say so
            run.log(f"Could not continue from the previous shot ({exc}); generating without it")
    return images, videos


def _still(run: JobRun, still_job_id: str) -> Asset:
    """The asset the still-first image job made (it completed: this job was claimed only then)."""
    job = store.get_job(run.services.db, still_job_id)
    asset_id = job.outputs.get("asset_id")
    with run.services.db.read() as session:
        asset = session.get(Asset, asset_id) if asset_id else None
    if asset is None:
        raise Invalid("the still this shot was to start from is gone (deleted after it was made); generate again")
    return asset


def _rel(run: JobRun, path: Path) -> str:
    return path.relative_to(run.project_dir.resolve()).as_posix()


def _single_frame(run: JobRun, p: VideoParams) -> TaskResult:
    """Seed §1: "num_frames == 1 -> delegate to Flux 2 (skip LTX)". Seed, steps and negative are honoured."""
    services = run.services
    engine = services.engines.get("image")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    references = [load_image(run, c.rel_path) for c in p.conditioning if c.type == "image"]
    prompt, enhanced = p.prompt, None
    if p.enhance_prompt:
        prompt = enhanced = enhance(run, prompt, mode="image", image=None, duration_s=0, seed=p.seed, at=ENHANCE_AT).prompt
        store.record_enhanced_prompt(services.db, run.job.shot_id, run.job_id, enhanced)
    request = ImageRequest(
        prompt=prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        seed=p.seed,
        steps=p.steps,
        guidance=p.cfg,
        references=references[: engine.capabilities.max_references],
        context=_story(p.context),
    )
    with services.residency.use(engine, on_status=lambda m: run.progress(GENERATE_FROM - 1, m)):
        image = engine.generate(request, run.steps(GENERATE_FROM, GENERATE_TO, "Generating image"))
    meta = {
        "prompt": p.prompt,
        "enhanced_prompt": enhanced,
        "seed": p.seed,
        "steps": p.steps,
        "guidance": p.cfg,
        "references": [c.rel_path for c in p.conditioning],
        "engine": engine.name,
    }
    asset, url, thumb_url = save_still(run, image, kind="generated", meta=meta, engine_name=engine.name)
    outputs = JobOutputs(
        video_url=url,
        url=url,
        thumbnail_url=thumb_url,
        actual_frames=1,
        enhanced_prompt=enhanced,
        engine=engine.name,
        asset_id=asset.id,
    )
    return TaskResult(
        outputs=outputs,
        event={"type": "image"},
        take=ShotTake(media_asset_id=asset.id, video_url=url, thumbnail_url=thumb_url, engine=engine.name, actual_frames=1),
        new_rows=[asset],
    )
