"""Smooth motion ×2 (issue 16): the worker side of POST /projects/{id}/takes/{asset_id}/smooth.

Read the take's sound to a scratch spool -> (LTX-2.5: refine the DFR state kept beside the take
through the temporal latent upsampler; draft: stream the take's frames through the optical-flow
interpolator, one new frame between each pair) -> encode at twice the rate with the same sound
-> thumbnail -> a new take of the same shot (a "generated" asset naming the take it smooths).
The draft path holds two frames at a time; a cancel at any frame removes the half-written file.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

from milimo.db.models import Asset
from milimo.engines.draft import DraftMotionEngine
from milimo.engines.protocols import EngineUnavailable, MotionRefineEngine
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, ShotTake, TaskResult
from milimo.jobs.params import SmoothMotionParams
from milimo.jobs.run import JobRun
from milimo.media import encode_video, iter_frames, probe, thumbnail
from milimo.media.audio import spool_audio
from milimo.tasks.common import generated_video_asset, project_file

FRAMES_FROM, FRAMES_TO, ENCODE_TO = 5, 95, 97


def run_smooth_motion(run: JobRun, p: SmoothMotionParams) -> TaskResult:
    services = run.services
    source = project_file(run, p.source)
    info = probe(source)
    if info.fps is None or info.num_frames < 2:
        raise EngineUnavailable("the take has fewer than two frames: there is no motion to smooth")
    rate = Fraction(info.fps) * 2

    run.progress(2, "Reading the take's sound")
    audio = spool_audio(source, run.workspace() / "audio.f32") if info.has_audio else None
    out = run.project_dir / "generated" / f"{run.job_id}.mp4"
    thumb = run.project_dir / "thumbnails" / f"{run.job_id}_thumb.jpg"
    run.remove_on_failure(out)
    run.remove_on_failure(thumb)

    if p.engine == "ltx2":
        engine = cast(MotionRefineEngine, services.engines.get("video"))
        store.record_engine(services.db, run.job_id, engine.name, engine.version)
        refine = getattr(engine, "refine_motion", None)
        why = engine.refine_unavailable() if callable(refine) else f"the video engine ({engine.name}) has no temporal refine"
        if why or not p.refine_state:
            raise EngineUnavailable(f"LTX-2.5's temporal refine is not available any more ({why}); smooth with the draft engine")
        with services.residency.use(engine, on_status=lambda m: run.progress(FRAMES_FROM - 1, m)):
            video = engine.refine_motion(
                project_file(run, p.refine_state), p.prompt, p.seed, run.steps(FRAMES_FROM, FRAMES_TO, "Refining motion")
            )
        encode_steps = run.steps(FRAMES_TO, ENCODE_TO, "Encoding")
        result = encode_video(
            video.frames,
            out,
            fps=rate,
            width=video.width,
            height=video.height,
            audio=audio,
            on_frame=lambda i: encode_steps(i + 1, video.num_frames),
        )
        name, version, method = engine.name, engine.version, "ltx2.5-dfr-temporal-refine"
    else:
        draft = DraftMotionEngine()
        store.record_engine(services.db, run.job_id, draft.name, draft.version)
        on_frame = run.steps(FRAMES_FROM, ENCODE_TO, "Interpolating frames")
        total = info.num_frames
        frames = draft.interpolate(iter_frames(source), on_pair=lambda i: on_frame(min(i + 1, total), total))
        result = encode_video(frames, out, fps=rate, width=info.width, height=info.height, audio=audio)
        name, version, method = draft.name, draft.version, "opencv-dis-flow-midpoint"

    run.progress(ENCODE_TO, "Making thumbnail...")
    thumbnail(out, thumb)
    source_meta = _source_meta(run, p.source_asset_id)
    meta = {
        **{k: source_meta[k] for k in ("prompt", "enhanced_prompt", "seed", "pipeline", "steps", "cfg") if k in source_meta},
        "smoothed_from": p.source_asset_id,
        "smooth_motion": {
            "factor": 2,
            "method": method,
            "source_fps": info.fps_float,
            "source_frames": info.num_frames,
            "note": p.note,
        },
        "engine_version": version,
    }
    asset, url, thumb_url = generated_video_asset(
        run,
        out,
        thumb,
        kind="generated",
        width=info.width,
        height=info.height,
        duration_s=float(result.num_frames / result.fps),
        fps=float(result.fps),
        num_frames=result.num_frames,
        engine_name=name,
        meta=meta,
    )
    outputs = JobOutputs(
        url=url,
        video_url=url,
        thumbnail_url=thumb_url,
        asset_id=asset.id,
        engine=name,
        actual_frames=result.num_frames,
        has_audio=audio is not None,
        smoothed_from=p.source_asset_id,
        fps=float(result.fps),
    )
    return TaskResult(
        outputs=outputs,
        event={"type": "smooth_motion"},
        take=ShotTake(
            media_asset_id=asset.id, video_url=url, thumbnail_url=thumb_url, engine=name, actual_frames=result.num_frames
        ),
        new_rows=[asset],
        message=f"Smooth motion ×2: {info.num_frames} → {result.num_frames} frames at {float(result.fps):g} fps",
    )


def _source_meta(run: JobRun, asset_id: str) -> dict:
    with run.services.db.read() as session:
        asset = session.get(Asset, asset_id)
        return dict(asset.meta or {}) if asset is not None else {}
