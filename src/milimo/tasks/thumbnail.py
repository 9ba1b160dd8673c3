"""Storyboard concept art (seed §6.2): the worker side of POST /projects/{id}/storyboard/thumbnails.

One still per shot, from the image engine, at the card's size. Only the shot's thumbnail_url is
set — never its video, its take or its status (the public implementation unlinked the video on
`force`, and a video completion overwrote the concept art). The asset row and the shot's
thumbnail are written in one transaction once the file is on disk; the `complete` event carries
`shot_id` and `is_thumbnail: true` so the card updates by shot, not by job.
"""

from __future__ import annotations

from sqlmodel import Session

from milimo.db.models import Shot, utcnow
from milimo.engines.protocols import ImageRequest
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import ThumbnailParams
from milimo.jobs.run import JobRun
from milimo.tasks.common import load_image, save_still


def run_thumbnail(run: JobRun, p: ThumbnailParams) -> TaskResult:
    services = run.services
    engine = services.engines.get("image")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    references = [load_image(run, rel) for rel in p.references]
    request = ImageRequest(
        prompt=p.prompt,
        negative_prompt="",
        width=p.width,
        height=p.height,
        seed=p.seed,
        steps=p.steps,
        guidance=p.guidance,
        references=references,
        true_cfg=False,
    )
    with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
        image = engine.generate(request, run.steps(10, 95, "Drawing concept art"))
    meta = {
        "prompt": p.prompt,
        "seed": p.seed,
        "steps": p.steps,
        "guidance": p.guidance,
        "width": p.width,
        "height": p.height,
        "engine": engine.name,
        "is_thumbnail": True,
        "shot_id": run.job.shot_id,
    }
    asset, url, _ = save_still(run, image, kind="generated", meta=meta, engine_name=engine.name)
    run.check_cancel()
    shot_id = run.job.shot_id

    def write(session: Session) -> None:
        session.add(asset)
        shot = session.get(Shot, shot_id) if shot_id else None
        if shot is not None:
            shot.thumbnail_url, shot.updated_at = url, utcnow()

    services.db.write(write)
    # Not `asset_id`: clients read that as "the shot's new take", and concept art is not a take.
    outputs = JobOutputs(url=url, thumbnail_url=url, engine=engine.name, concept_art_asset_id=asset.id)
    return TaskResult(outputs=outputs, event={"is_thumbnail": True}, message="Concept art ready")
