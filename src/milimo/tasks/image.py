"""Image generation (seed §2): POST /generate/image, a still-first shot's still, an element's visual.

Submit resolved the elements (studio/elements.py): the params carry the engine's prompt and the
reference files in order. The result is a JPEG (q95) with a quarter-size thumbnail and an Asset
row holding how it was made; a still becomes its shot's keyframe, a visual its element's reference.
"""

from __future__ import annotations

from milimo.db.models import Shot, utcnow
from milimo.engines.protocols import ImageRequest
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import ElementVisualParams, ImageParams
from milimo.jobs.run import JobRun
from milimo.studio.element_store import add_image
from milimo.tasks.common import enhance, load_image, save_still


def run_image(run: JobRun, p: ImageParams) -> TaskResult:
    services = run.services
    engine = services.engines.get("image")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    references = [load_image(run, rel) for rel in p.references]
    prompt, enhanced = p.prompt, None
    if p.enhance_prompt:
        prompt = enhanced = enhance(run, prompt, mode="image", image=None, duration_s=0, seed=p.seed, at=5).prompt
    request = ImageRequest(
        prompt=prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        seed=p.seed,
        steps=p.steps,
        guidance=p.guidance,
        references=references,
        true_cfg=p.true_cfg,
    )
    with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
        image = engine.generate(request, run.steps(10, 95, "Generating image"))
    meta = {
        "prompt": p.user_prompt if p.user_prompt is not None else p.prompt,
        "engine_prompt": p.prompt,
        "enhanced_prompt": enhanced,
        "negative_prompt": p.negative_prompt,
        "seed": p.seed,
        "steps": p.steps,
        "guidance": p.guidance,
        "references": p.reference_inputs,
        "elements": p.elements,
        "dropped_references": p.dropped,
        "true_cfg": p.true_cfg,
        "width": p.width,
        "height": p.height,
        "engine": engine.name,
    }
    kind = "element" if isinstance(p, ElementVisualParams) else "generated"
    if isinstance(p, ElementVisualParams):
        meta["element_id"] = p.element_id
    asset, url, thumb_url = save_still(run, image, kind=kind, meta=meta, engine_name=engine.name)
    outputs = JobOutputs(url=url, thumbnail_url=thumb_url, asset_id=asset.id, engine=engine.name, enhanced_prompt=enhanced)
    event: dict = {"type": "element_visual" if isinstance(p, ElementVisualParams) else "image"}

    def writeback(session, job) -> None:
        if isinstance(p, ElementVisualParams):
            add_image(session, p.element_id, asset.id)
        elif p.keyframe and job.shot_id:
            shot = session.get(Shot, job.shot_id)
            if shot is not None:  # kept even if a newer job owns the shot: it is this shot's still either way
                shot.keyframe_asset_id, shot.updated_at = asset.id, utcnow()

    if isinstance(p, ElementVisualParams):
        event["element_id"] = p.element_id
    if p.keyframe:
        event["keyframe"] = True
    return TaskResult(outputs=outputs, event=event, new_rows=[asset], writeback=writeback)
