"""The inpaint job with a tiny FLUX.2 [klein]: selected from the model library, outside the mask unchanged."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings
from tests.jobs.test_chained_generation import wait_job

from .conftest import needs_torch


def png(a: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a, mode).save(buf, "PNG")
    return buf.getvalue()


@needs_torch
def test_inpaint_job_with_flux2_klein(tiny_models):
    settings = Settings(data_dir=tiny_models["models_dir"].parent, device="cpu", log_level="warning")
    yy, xx = np.mgrid[0:96, 0:128]
    img = np.stack([40 + xx, 30 + 2 * yy, 200 - xx], axis=-1).astype(np.uint8)  # a photo-like smooth plate
    mask = np.zeros((96, 128), np.uint8)
    mask[32:64, 40:88] = 255
    with TestClient(create_app(settings)) as c:
        pid = c.post("/projects", json={"name": "Inpaint"}).json()["id"]
        ids = [
            c.post("/upload", data={"project_id": pid}, files={"file": (n, d, "image/png")}).json()["id"]
            for n, d in (("plate.png", png(img)), ("matte.png", png(mask, "L")))
        ]
        r = c.post(
            "/edit/inpaint",
            json={"project_id": pid, "image": ids[0], "mask": ids[1], "prompt": "a red ball", "steps": 2, "seed": 1},
        )
        assert r.status_code == 202, r.text
        assert r.json()["engine"] == "flux2-klein"
        job = wait_job(c, r.json()["job_id"])
        assert job["status"] == "completed", job
        assert c.get("/engines").status_code == 200
        asset = c.get(f"/assets/{job['asset_id']}").json()
        out = np.asarray(Image.open(io.BytesIO(c.get(asset["url"]).content)).convert("RGB")).astype(int)
    assert asset["kind"] == "inpaint" and asset["engine"] == "flux2-klein" and out.shape == img.shape
    outside = mask == 0
    diff = np.abs(out - img.astype(int))
    assert diff[outside].mean() < 2.0 and np.percentile(diff[outside], 99) < 12  # JPEG q95 tolerance
    assert diff[36:60, 44:84].mean() > 20  # the inside was repainted by the model
