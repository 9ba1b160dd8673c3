"""Image generation (seed §2): the worker side of POST /generate/image."""

from __future__ import annotations

from milimo.engines.protocols import ImageRequest
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import ImageParams
from milimo.jobs.run import JobRun
from milimo.tasks.common import enhance, load_image, save_still


def run_image(run: JobRun, p: ImageParams) -> TaskResult:
    services = run.services
    engine = services.engines.get("image")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    references = [load_image(run, rel) for rel in p.references]
    prompt, enhanced = p.prompt, None
    if p.enhance_prompt:
        prompt = enhanced = enhance(run, prompt, mode="image", image=None, duration_s=0, seed=p.seed, at=5).prompt
    request = ImageRequest(prompt=prompt, negative_prompt=p.negative_prompt, width=p.width, height=p.height,
                           seed=p.seed, steps=p.steps, guidance=p.guidance, references=references, true_cfg=p.true_cfg)
    with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
        image = engine.generate(request, run.steps(10, 95, "Generating image"))
    meta = {"prompt": p.prompt, "enhanced_prompt": enhanced, "negative_prompt": p.negative_prompt, "seed": p.seed,
            "steps": p.steps, "guidance": p.guidance, "references": p.reference_inputs, "true_cfg": p.true_cfg,
            "width": p.width, "height": p.height, "engine": engine.name}
    asset, url, thumb_url = save_still(run, image, kind="generated", meta=meta, engine_name=engine.name)
    outputs = JobOutputs(url=url, thumbnail_url=thumb_url, asset_id=asset.id, engine=engine.name, enhanced_prompt=enhanced)
    return TaskResult(outputs=outputs, event={"type": "image"}, new_rows=[asset])
