"""The image studio (seed §2): queue stills with references, element visuals, the project's gallery.

Element resolution happens here, at submit, in the writer's transaction: an unknown element,
another project's asset, a non-image or too many references is a 422 and nothing is written.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from milimo.db.database import Database
from milimo.db.models import Asset, Element
from milimo.db.states import JobType
from milimo.engines.grid import Adjustment, snap_size
from milimo.errors import NotFound
from milimo.jobs import store
from milimo.jobs.params import ElementVisualParams, ImageParams
from milimo.jobs.services import Services
from milimo.studio.assets import asset_dict
from milimo.studio.element_schemas import VisualizeRequest
from milimo.studio.elements import Resolution, resolve_image
from milimo.studio.generation_schemas import GenerateImage
from milimo.studio.ids import new_id
from milimo.studio.versions import require_project

# reference-system §3.6 rule 34: what a visual of each element type is asked to look like
VISUAL_TEMPLATES = {
    "character": "Character sheet design for {name}: {p}. Full body character turnaround, white background, high quality, concept art style.",
    "location": "Concept art of {name}: {p}. Wide shot, atmospheric, cinematic lighting, high quality.",
    "object": "Concept design of {name}: {p}. Product studio lighting, neutral background.",
}


def _grid(engine: Any, width: int, height: int) -> tuple[int, int, list[Adjustment]]:
    caps = engine.capabilities
    w = snap_size(width, caps.size_multiple, caps.min_size, caps.max_size)
    h = snap_size(height, caps.size_multiple, caps.min_size, caps.max_size)
    notes = [
        Adjustment(field=f, requested=r, used=u, reason=f"{f} must be a multiple of {caps.size_multiple}")
        for f, r, u in (("width", width, w), ("height", height, h))
        if r != u
    ]
    return w, h, notes


def _queued(job_id: str, engine: Any, res: Resolution, adjustments: list[Adjustment]) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "engine": engine.name,
        "prompt": res.prompt,
        "references": [r.asset_id for r in res.references],
        "elements": res.elements,
        "dropped": res.dropped,
        "adjustments": [a.model_dump() for a in adjustments],
    }


@dataclass(frozen=True)
class _Submit:
    """What an image job is planned with: the image engine, the snapped size and the seed it will record."""

    engine: Any
    width: int
    height: int
    seed: int
    adjustments: list[Adjustment]


_Planned = tuple[str, JobType, ImageParams | ElementVisualParams, Resolution]  # (project id, job type, params, resolution)


def _submit(
    services: Services, width: int, height: int, seed: int | None, plan: Callable[[Session, _Submit], _Planned]
) -> dict[str, Any]:
    """Snap to the image engine's grid, then queue the job `plan` makes in the writer's transaction, and wake a worker."""
    engine = services.engines.get("image")
    width, height, adjustments = _grid(engine, width, height)
    seed = seed if seed is not None else random.randint(0, 2**32 - 1)  # recorded, so the image can be remade
    job = _Submit(engine, width, height, seed, adjustments)
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        project_id, job_type, params, res = plan(session, job)
        session.add(store.queued_job(job_id, project_id, job_type, params, engine))
        return _queued(job_id, engine, res, adjustments)

    result = services.db.write(write)
    services.executor.wake()
    return result


def submit_image(services: Services, req: GenerateImage) -> dict[str, Any]:
    def plan(session: Session, job: _Submit) -> _Planned:
        require_project(session, req.project_id)
        res = resolve_image(
            session,
            services.settings,
            req.project_id,
            req.prompt,
            element_ids=req.element_ids,
            reference_images=req.reference_images,
            limit=job.engine.capabilities.max_references,
            engine=job.engine.name,
        )
        params = ImageParams(
            prompt=res.engine_prompt,
            user_prompt=res.prompt,
            negative_prompt=req.negative_prompt,
            width=job.width,
            height=job.height,
            steps=req.num_inference_steps,
            guidance=req.guidance_scale,
            seed=job.seed,
            references=[r.rel_path for r in res.references],
            reference_inputs=[r.asset_id for r in res.references],
            true_cfg=req.enable_true_cfg,
            enhance_prompt=req.enhance_prompt,
            elements=res.elements,
            dropped=res.dropped,
            adjustments=job.adjustments,
        )
        return req.project_id, JobType.image, params, res

    return _submit(services, req.width, req.height, req.seed, plan)


def submit_visualize(services: Services, element_id: str, req: VisualizeRequest) -> dict[str, Any]:
    """A character sheet, location concept or object design from the element's description (or the
    override); its own images and the triggers the text names are the references."""

    def plan(session: Session, job: _Submit) -> _Planned:
        element = session.get(Element, element_id)
        if element is None:
            raise NotFound(f"element {element_id!r} does not exist")
        text = (req.prompt_override or element.description or element.name).strip()
        prompt = VISUAL_TEMPLATES.get(element.type, VISUAL_TEMPLATES["object"]).format(name=element.name, p=text)
        res = resolve_image(
            session,
            services.settings,
            element.project_id,
            prompt,
            element_ids=[element.id],
            limit=job.engine.capabilities.max_references,
            engine=job.engine.name,
        )
        # The template already names the element: no trigger is appended to what the engine reads.
        params = ElementVisualParams(
            element_id=element.id,
            prompt=prompt,
            user_prompt=prompt,
            width=job.width,
            height=job.height,
            steps=req.num_inference_steps,
            guidance=req.guidance_scale,
            seed=job.seed,
            references=[r.rel_path for r in res.references],
            reference_inputs=[r.asset_id for r in res.references],
            elements=res.elements,
            dropped=res.dropped,
            adjustments=job.adjustments,
        )
        res.prompt = prompt
        return element.project_id, JobType.element_visual, params, res

    return _submit(services, req.width, req.height, req.seed, plan)


def list_images(db: Database, project_id: str, offset: int, limit: int, include_uploads: bool = False) -> dict[str, Any]:
    """The project's stills: every image a job made (the image studio, element visuals, one-frame shots).
    With `include_uploads` every image of the project (what a reference picker offers), masks excepted.
    Newest first, with the metadata each carries (prompt, seed, engine, references...)."""
    with db.read() as session:
        require_project(session, project_id)
        which = col(Asset.kind) != "mask" if include_uploads else col(Asset.job_id).is_not(None)
        where = (col(Asset.project_id) == project_id, col(Asset.media_type) == "image", which)
        total = session.execute(select(func.count()).select_from(Asset).where(*where)).scalar() or 0
        rows = (
            session.execute(
                select(Asset)
                .where(*where)
                .order_by(col(Asset.created_at).desc(), col(Asset.id).desc())
                .offset(offset)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return {"items": [asset_dict(a) for a in rows], "total": total, "offset": offset, "limit": limit}
