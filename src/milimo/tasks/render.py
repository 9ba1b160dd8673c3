"""Render (docs/render.md): the worker side of POST /projects/{id}/render.

Reads the cut as it is now, renders it to renders/{job id}.mp4|.mov through milimo.render
(streamed, atomic, cancellable at every frame), makes a thumbnail, and registers the file as a
`render` asset in the same transaction that completes the job.
"""

from __future__ import annotations

import time

from milimo.db.models import Asset
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import RenderParams
from milimo.jobs.run import JobRun
from milimo.media import thumbnail
from milimo.render import RenderOptions, load_cut, render_cut
from milimo.render.output import FORMATS
from milimo.studio.ids import new_id
from milimo.studio.paths import media_url


def run_render(run: JobRun, p: RenderParams) -> TaskResult:
    services, pid = run.services, run.project_id
    run.progress(1, "Reading the cut...")
    cut = load_cut(services.db, services.settings, pid, muted=p.muted, solo=p.solo)
    options = RenderOptions.for_quality(p.quality, format=p.format, in_frame=p.in_frame, out_frame=p.out_frame)
    fmt = FORMATS[p.format]
    out = run.project_dir / "renders" / f"{run.job_id}{fmt.suffix}"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)
    started = time.monotonic()

    def on_progress(fraction: float, message: str) -> None:
        elapsed = time.monotonic() - started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        run.progress(2 + 95 * fraction, message, eta=eta, phase="Rendering")

    result = render_cut(cut, out, options=options, on_progress=on_progress, check_cancel=run.check_cancel)
    run.progress(97, "Making the thumbnail...")
    thumbnail(out, thumb, at_frame=0)
    url, thumb_url = media_url(pid, f"renders/{out.name}"), media_url(pid, f"thumbnails/{thumb.name}")
    name = f"{_safe(cut.name)}_{result.in_frame}-{result.out_frame}{fmt.suffix}"
    meta = {
        "format": p.format,
        "quality": p.quality,
        "in_frame": result.in_frame,
        "out_frame": result.out_frame,
        "muted": p.muted,
        "solo": p.solo,
        "copied_frames": result.copied_frames,
        "warnings": list(result.warnings),
        "project_version": p.project_version,
        "sample_rate": result.sample_rate,
        "audio_samples": result.audio_samples,
    }
    asset = Asset(
        id=new_id(),
        project_id=pid,
        kind="render",
        media_type="video",
        rel_path=f"renders/{out.name}",
        url=url,
        thumbnail_url=thumb_url,
        filename=name,
        mime=fmt.mime,
        size_bytes=out.stat().st_size,
        width=result.width,
        height=result.height,
        duration_s=result.duration,
        fps=float(result.fps),
        num_frames=result.num_frames,
        job_id=run.job_id,
        meta=meta,
    )
    outputs = JobOutputs(
        url=url,
        video_url=url,
        thumbnail_url=thumb_url,
        asset_id=asset.id,
        actual_frames=result.num_frames,
        has_audio=True,
        format=p.format,
        filename=name,
        in_frame=result.in_frame,
        out_frame=result.out_frame,
        copied_frames=result.copied_frames,
    )
    copied = f", {result.copied_frames} copied" if result.copied_frames else ""
    return TaskResult(outputs=outputs, new_rows=[asset], message=f"Rendered {result.num_frames} frames{copied}")


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
    return cleaned[:60] or "render"
