"""Element references reach a tiny FLUX.2 klein through the studio: the image job's references
are the element's images, handed to the pipeline as `image=` (reference latents lengthen the
transformer's token sequence)."""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings

pytestmark = pytest.mark.models


def png(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buf, "PNG")
    return buf.getvalue()


def wait(client, job_id):
    deadline = time.monotonic() + 300
    while (job := client.get(f"/status/{job_id}").json())["status"] not in ("completed", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return job


def test_element_images_reach_flux2_as_image(tiny_models, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", log_level="warning", device="cpu")
    settings.models_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.models_dir.symlink_to(tiny_models["models_dir"], target_is_directory=True)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.studio.engines.get("image")
        assert engine.name.startswith("flux2") and engine.capabilities.max_references == 4
        pid = client.post("/projects", json={"name": "flux refs"}).json()["id"]
        ids = []
        for colour in ((255, 0, 0), (0, 0, 255)):
            r = client.post(
                "/upload", data={"project_id": pid, "kind": "element"}, files={"file": ("r.png", png(colour), "image/png")}
            )
            ids.append(r.json()["id"])
        client.post(f"/projects/{pid}/elements", json={"name": "Mara", "image_asset_ids": ids})
        body = {"project_id": pid, "width": 64, "height": 64, "num_inference_steps": 2, "seed": 3}
        plain = wait(client, client.post("/generate/image", json={**body, "prompt": "a pilot"}).json()["job_id"])
        assert plain["status"] == "completed", plain
        seen: list[tuple[int, int]] = []  # (references given to the pipeline, transformer sequence length)
        pipe = engine._pipe
        calls: list = []
        original = type(pipe).__call__

        def recording(self, *args, **kwargs):  # a wrapper around the real pipeline call, not a fake
            calls.append(kwargs.get("image"))
            return original(self, *args, **kwargs)

        hook = pipe.transformer.register_forward_pre_hook(
            lambda mod, args, kwargs: seen.append(kwargs["hidden_states"].shape[1]), with_kwargs=True
        )
        type(pipe).__call__ = recording
        try:
            queued = client.post("/generate/image", json={**body, "prompt": "@Mara by the plane"}).json()
            job = wait(client, queued["job_id"])
            plain_again = wait(client, client.post("/generate/image", json={**body, "prompt": "a pilot"}).json()["job_id"])
        finally:
            type(pipe).__call__ = original
            hook.remove()
        assert job["status"] == plain_again["status"] == "completed", job
        assert queued["references"] == ids
        images, none = calls
        assert none is None and [im.getpixel((10, 10)) for im in images] == [(255, 0, 0), (0, 0, 255)]
        with_refs, without = max(seen[: len(seen) // 2]), max(seen[len(seen) // 2 :])
        assert with_refs > without  # the reference latents joined the image tokens
