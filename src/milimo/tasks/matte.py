"""Matte (seed §3): the worker side of POST /edit/matte.

For every frame of the clip the sequence was tracked on: the frame's object masks merged (grown,
feathered, inverted as asked), black where the sequence has no mask -> encode to
generated/{job_id}_matte.mp4 at the clip's rate and size, no sound -> thumbnail -> a video Asset of
kind "matte". Frame n of the matte is frame n of the clip, so an editor lines the two up by their
starts. The clip itself is only probed, never decoded; one frame is in memory at a time, and a cancel
at any frame leaves no file (encode_video's atomic write).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import MatteParams
from milimo.jobs.run import JobRun
from milimo.media import encode_video, probe, thumbnail
from milimo.studio.mask_sequences import frame_mask, read_manifest
from milimo.studio.paths import media_url
from milimo.tasks.common import generated_video_asset, project_file

FRAMES_FROM, FRAMES_TO = 2, 96
MATTE_CRF = 6  # near-lossless: a matte's edges are what an editor keys on, and flat areas cost x264 almost nothing


def matte_frame(mask: np.ndarray, feather_px: int, invert: bool) -> np.ndarray:
    """One L mask (0/255) -> the RGB frame the encoder takes: white = the object, feathered and inverted as asked."""
    m = mask
    if feather_px:
        k = 2 * feather_px + 1
        m = cv2.GaussianBlur(m, (k, k), feather_px / 2)
    if invert:
        m = 255 - m
    return np.repeat(m[:, :, None], 3, axis=2)


def run_matte(run: JobRun, p: MatteParams) -> TaskResult:
    services = run.services
    clip = project_file(run, p.clip)
    info = probe(clip)
    masked = read_manifest(project_file(run, p.manifest), info.num_frames)
    size, max_pixels = (info.width, info.height), services.settings.max_image_pixels
    out = run.project_dir / "generated" / f"{run.job_id}_matte.mp4"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)
    on_frame = run.steps(FRAMES_FROM, FRAMES_TO, "Matte frames")
    total = info.num_frames
    empty = matte_frame(np.zeros((info.height, info.width), np.uint8), 0, p.invert)

    def frames() -> Iterator[np.ndarray]:
        for index in range(total):
            files = masked.get(index)
            if files:
                mask = np.asarray(frame_mask(files, size, p.grow_px, max_pixels))
                frame = matte_frame(mask, p.feather_px, p.invert)
            else:
                frame = empty
            on_frame(index + 1, total)  # raises JobCancelled: the encoder drops its partial file
            yield frame

    result = encode_video(frames(), out, fps=info.fps or 24, width=info.width, height=info.height, crf=MATTE_CRF)
    run.progress(97, "Thumbnail")
    thumbnail(out, thumb, at_frame=min(masked))
    meta = {
        "source_asset_id": p.clip_asset_id,
        "source_url": media_url(run.project_id, p.clip),
        "mask_sequence_id": p.mask_sequence_id,
        "tracker": p.tracker,
        "grow_px": p.grow_px,
        "feather_px": p.feather_px,
        "invert": p.invert,
        "frames_masked": len(masked),
        "first_frame": min(masked),
        "last_frame": max(masked),
    }
    asset, url, thumb_url = generated_video_asset(
        run,
        out,
        thumb,
        kind="matte",
        width=info.width,
        height=info.height,
        duration_s=result.duration,
        fps=float(result.fps),
        num_frames=result.num_frames,
        engine_name="matte",
        meta=meta,
        filename=f"{Path(p.clip_name or p.clip).stem}_matte{'_inverted' if p.invert else ''}.mp4",
    )
    outputs = JobOutputs(
        url=url, video_url=url, thumbnail_url=thumb_url, asset_id=asset.id, engine="matte", actual_frames=result.num_frames
    )
    return TaskResult(outputs=outputs, event={"type": "matte"}, new_rows=[asset], message=f"Matte of {len(masked)} frames")
