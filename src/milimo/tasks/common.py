"""Pieces several tasks share: loading conditioning, saving stills as assets, prompt enhancement."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from PIL import Image

from milimo.db.models import Asset
from milimo.engines.protocols import Enhancement
from milimo.jobs.run import JobRun
from milimo.media import load_rgb, save_jpeg, save_thumbnail
from milimo.studio.ids import new_id
from milimo.studio.paths import contained, media_url


def project_file(run: JobRun, rel_path: str) -> Path:
    """A file the submit step resolved, re-checked: it must still be inside the project."""
    return contained(run.project_dir, rel_path)


def load_image(run: JobRun, rel_path: str) -> Image.Image:
    return load_rgb(project_file(run, rel_path), max_pixels=run.services.settings.max_image_pixels)


def enhance(
    run: JobRun,
    prompt: str,
    *,
    mode: Literal["video", "image"],
    image: Image.Image | None,
    duration_s: float,
    seed: int,
    at: float,
) -> Enhancement:
    """Seed §1 prompt enhancement: the text engine rewrites, the event carries the result."""
    engine = run.services.engines.get("text")
    with run.services.residency.use(engine, on_status=lambda m: run.progress(at, m)):
        run.progress(at, "Enhancing prompt...")
        result = engine.enhance(prompt, mode=mode, image=image, duration_s=duration_s, seed=seed)
    message = "Prompt enhanced" + (f" ({result.note})" if result.note else "")
    if result.is_reference_only:
        message += "; reference sheet detected, its images are used for guidance only"
    run.progress(at, message, enhanced_prompt=result.prompt)
    return result


def save_still(run: JobRun, image: Image.Image, *, kind: str, meta: dict[str, Any], engine_name: str) -> tuple[Asset, str, str]:
    """JPEG q95 in generated/ + a quarter-size thumbnail; returns (asset row, url, thumbnail url)."""
    pid = run.project_id
    out = run.project_dir / "generated" / f"{run.job_id}.jpg"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)
    save_jpeg(image, out, quality=95)
    save_thumbnail(image, thumb, scale=0.25)
    url, thumb_url = media_url(pid, f"generated/{out.name}"), media_url(pid, f"thumbnails/{thumb.name}")
    asset = Asset(
        id=new_id(),
        project_id=pid,
        kind=kind,
        media_type="image",
        rel_path=f"generated/{out.name}",
        url=url,
        thumbnail_url=thumb_url,
        filename=out.name,
        mime="image/jpeg",
        size_bytes=out.stat().st_size,
        width=image.width,
        height=image.height,
        engine=engine_name,
        job_id=run.job_id,
        meta=meta,
    )
    return asset, url, thumb_url


def generated_video_asset(
    run: JobRun,
    out: Path,
    thumb: Path,
    *,
    kind: str,
    width: int,
    height: int,
    duration_s: float,
    fps: float,
    num_frames: int,
    engine_name: str,
    meta: dict[str, Any],
    filename: str | None = None,
) -> tuple[Asset, str, str]:
    """The Asset row of a video the job wrote to generated/ (and its thumbnail); returns (row, url, thumbnail url).

    `filename` is the name the library shows and a download saves as (default: the file's own name)."""
    pid = run.project_id
    url, thumb_url = media_url(pid, f"generated/{out.name}"), media_url(pid, f"thumbnails/{thumb.name}")
    asset = Asset(
        id=new_id(),
        project_id=pid,
        kind=kind,
        media_type="video",
        rel_path=f"generated/{out.name}",
        url=url,
        thumbnail_url=thumb_url,
        filename=filename or out.name,
        mime="video/mp4",
        size_bytes=out.stat().st_size,
        width=width,
        height=height,
        duration_s=duration_s,
        fps=fps,
        num_frames=num_frames,
        engine=engine_name,
        job_id=run.job_id,
        meta=meta,
    )
    return asset, url, thumb_url
