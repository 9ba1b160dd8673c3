"""Clip inpainting (seed §3): the worker side of POST /edit/inpaint-clip.

Decode the clip's sound to a scratch spool -> stream the clip's frames: a frame the tracked
sequence masks is repainted by the inpaint engine (every frame with the same seed), any other
frame passes through as decoded -> encode to generated/{job_id}.mp4 at the clip's rate and size
with its sound -> thumbnail -> a video Asset of kind "inpaint". Only one frame is in memory at a
time; a cancel at any frame removes the half-written file (encode_video's atomic write).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import numpy as np
from PIL import Image

from milimo.engines.protocols import InpaintEngine
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import InpaintClipParams
from milimo.jobs.run import JobRun
from milimo.media import encode_video, iter_frames, probe, thumbnail
from milimo.media.audio import spool_audio
from milimo.studio.mask_sequences import frame_mask, read_manifest
from milimo.studio.paths import media_url
from milimo.tasks.common import generated_video_asset, project_file

FRAMES_FROM, FRAMES_TO = 8, 96


def run_inpaint_clip(run: JobRun, p: InpaintClipParams) -> TaskResult:
    services = run.services
    engine = cast(InpaintEngine, services.engines.get("inpaint"))
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    clip = project_file(run, p.clip)
    info = probe(clip)
    masked = read_manifest(project_file(run, p.manifest), info.num_frames)
    size, max_pixels = (info.width, info.height), services.settings.max_image_pixels

    run.progress(2, "Reading the clip's sound")
    audio = spool_audio(clip, run.workspace() / "audio.f32") if info.has_audio else None

    out = run.project_dir / "generated" / f"{run.job_id}.mp4"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)
    on_frame = run.steps(FRAMES_FROM, FRAMES_TO, "Inpainting frames")
    total = info.num_frames
    repainted = 0

    def frames() -> Iterator[np.ndarray]:
        nonlocal repainted
        for index, frame in enumerate(iter_frames(clip)):
            files = masked.get(index)
            if files:
                mask = frame_mask(files, size, p.grow_px, max_pixels)
                if mask.getbbox() is not None:  # an empty mask (the object left the frame) repaints nothing
                    request = p.inpaint_request(Image.fromarray(frame), mask)
                    frame = np.asarray(engine.inpaint(request, lambda _s, _t: run.check_cancel()).convert("RGB"))
                    repainted += 1
            on_frame(min(index + 1, total), total)  # raises JobCancelled: the encoder drops its partial file
            yield frame

    with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
        result = encode_video(frames(), out, fps=info.fps or 24, width=info.width, height=info.height, audio=audio)
    run.progress(97, "Thumbnail")
    thumbnail(out, thumb)
    meta = {
        "source_asset_id": p.clip_asset_id,
        "source_url": media_url(run.project_id, p.clip),
        "mask_sequence_id": p.mask_sequence_id,
        "prompt": p.prompt,
        "negative_prompt": p.negative_prompt,
        "seed": p.seed,
        "steps": p.steps,
        "strength": p.strength,
        "guidance": p.guidance,
        "feather_px": p.feather_px,
        "grow_px": p.grow_px,
        "frames_inpainted": repainted,
        "engine": engine.name,
    }
    asset, url, thumb_url = generated_video_asset(
        run,
        out,
        thumb,
        kind="inpaint",
        width=info.width,
        height=info.height,
        duration_s=result.duration,
        fps=float(result.fps),
        num_frames=result.num_frames,
        engine_name=engine.name,
        meta=meta,
    )
    outputs = JobOutputs(
        url=url,
        video_url=url,
        thumbnail_url=thumb_url,
        asset_id=asset.id,
        engine=engine.name,
        actual_frames=result.num_frames,
        has_audio=audio is not None,
    )
    return TaskResult(outputs=outputs, event={"type": "inpaint_clip"}, new_rows=[asset], message=f"Inpainted {repainted} frames")
