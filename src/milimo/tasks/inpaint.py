"""Inpainting (seed §3): the worker side of POST /edit/inpaint.

Load the image and its mask, repaint inside the mask with the inpaint engine (FLUX.2 [klein]
or the OpenCV draft), save the result as a new still in generated/ with its Asset row; the
`complete` event carries type "inpaint" and the asset id.
"""

from __future__ import annotations

from typing import cast

from PIL import Image

from milimo.engines.protocols import InpaintEngine
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import InpaintParams
from milimo.jobs.run import JobRun
from milimo.media import load_rgb
from milimo.tasks.common import load_image, project_file, save_still


def run_inpaint(run: JobRun, p: InpaintParams) -> TaskResult:
    services = run.services
    engine = cast(InpaintEngine, services.engines.get("inpaint"))
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    run.progress(2, "Loading image and mask")
    image = load_image(run, p.image)
    mask = load_rgb(project_file(run, p.mask), max_pixels=services.settings.max_image_pixels).convert("L")
    if mask.size != image.size:
        mask = mask.resize(image.size, Image.Resampling.NEAREST)
    request = p.inpaint_request(image, mask)
    with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
        result = engine.inpaint(request, run.steps(10, 95, "Inpainting"))
    meta = {
        "prompt": p.prompt,
        "negative_prompt": p.negative_prompt,
        "seed": p.seed,
        "steps": p.steps,
        "strength": p.strength,
        "guidance": p.guidance,
        "image": p.image_input,
        "mask": p.mask_input,
        "engine": engine.name,
    }
    asset, url, thumb_url = save_still(run, result, kind="inpaint", meta=meta, engine_name=engine.name)
    outputs = JobOutputs(url=url, thumbnail_url=thumb_url, asset_id=asset.id, engine=engine.name)
    return TaskResult(outputs=outputs, event={"type": "inpaint"}, new_rows=[asset])
