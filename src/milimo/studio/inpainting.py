"""Submitting inpainting (seed §3): resolve the image and its mask to files of the project, queue an `inpaint` job.

The worker side is milimo.tasks.inpaint. Both inputs are named by asset id or by a media URL
the server issued, and must be stills of the same project.
"""

from __future__ import annotations

import random
from typing import Any

from sqlmodel import Session

from milimo.db.models import Asset
from milimo.db.states import JobType
from milimo.errors import Invalid
from milimo.jobs import store
from milimo.jobs.params import InpaintParams
from milimo.jobs.services import Services
from milimo.studio.elements import inject_triggers
from milimo.studio.ids import new_id
from milimo.studio.paths import relative_to_project, resolve_media_url
from milimo.studio.versions import require_project


def _still(session: Session, services: Services, project_id: str, field: str, ref: str) -> str:
    """An asset id or issued URL of this project's still -> its path relative to the project folder."""
    if "/" not in ref:
        asset = session.get(Asset, ref)
        if asset is None or asset.project_id != project_id:
            raise Invalid(f"{field}: asset {ref!r} is not an asset of this project")
        if asset.media_type != "image":
            raise Invalid(f"{field}: asset {ref!r} is a {asset.media_type}; inpainting works on stills")
        return asset.rel_path
    path = resolve_media_url(services.settings, project_id, ref)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"):
        raise Invalid(f"{field}: {ref!r} is not a still image")
    return relative_to_project(services.settings, project_id, path)


def submit_inpaint(
    services: Services,
    project_id: str,
    image: str,
    mask: str,
    *,
    prompt: str,
    negative_prompt: str,
    seed: int | None,
    steps: int,
    strength: float,
    guidance: float,
    feather_px: int,
) -> dict[str, Any]:
    engine = services.engines.get("inpaint")
    seed = seed if seed is not None else random.randint(0, 2**32 - 1)  # recorded, so the result can be remade
    job_id = new_id("job_")

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        params = InpaintParams(
            image=_still(session, services, project_id, "image", image),
            mask=_still(session, services, project_id, "mask", mask),
            prompt=inject_triggers(session, project_id, prompt),
            negative_prompt=negative_prompt,
            seed=seed,
            steps=steps,
            strength=strength,
            guidance=guidance,
            feather_px=feather_px,
            image_input=image,
            mask_input=mask,
        )
        session.add(store.queued_job(job_id, project_id, JobType.inpaint, params, engine))
        return {"job_id": job_id, "status": "queued", "engine": engine.name, "seed": seed}

    result = services.db.write(write)
    services.executor.wake()
    return result
