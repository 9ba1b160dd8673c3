"""POST /edit/inpaint (seed §3) with the draft engine: a job, a new still in generated/, outside the mask unchanged."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.jobs.test_chained_generation import wait_job


def picture(w: int = 160, h: int = 120) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([60 + xx, 40 + yy, 120 + 0 * xx], axis=-1).astype(np.uint8)
    img[40:80, 60:100] = (255, 0, 255)  # the thing to remove
    return img


def png(a: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a, mode).save(buf, "PNG")
    return buf.getvalue()


def upload(client, pid, data: bytes, name: str) -> dict:
    r = client.post("/upload", data={"project_id": pid}, files={"file": (name, data, "image/png")})
    assert r.status_code == 201, r.text
    return r.json()


def test_inpaint_makes_a_new_still_and_leaves_the_outside_alone(client, project):
    pid = project["id"]
    img = picture()
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[38:82, 58:102] = 255
    still, matte = upload(client, pid, png(img), "plate.png"), upload(client, pid, png(mask, "L"), "matte.png")
    r = client.post(
        "/edit/inpaint",
        json={"project_id": pid, "image": still["id"], "mask": matte["url"], "prompt": "an empty wall", "seed": 7},
    )
    assert r.status_code == 202, r.text
    assert r.json()["engine"] == "draft" and r.json()["seed"] == 7
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "completed", job
    asset = client.get(f"/assets/{job['asset_id']}").json()
    assert asset["kind"] == "inpaint" and asset["engine"] == "draft" and asset["url"].startswith(f"/projects/{pid}/generated/")
    assert asset["meta"]["image"] == still["id"] and asset["meta"]["mask"] == matte["url"]
    out = np.asarray(Image.open(io.BytesIO(client.get(asset["url"]).content)).convert("RGB")).astype(int)
    assert out.shape == img.shape
    outside = mask == 0
    diff = np.abs(out - img.astype(int))[outside]
    assert diff.mean() < 2.0 and np.percentile(diff, 99) < 12  # JPEG q95 tolerance, nothing more
    inside = out[45:75, 65:95]
    assert np.abs(inside - np.array([255, 0, 255])).sum(axis=-1).min() > 150  # the magenta is gone


def test_inpaint_refuses_what_it_cannot_use(client, project, tmp_path):
    pid = project["id"]
    still = upload(client, pid, png(picture()), "plate.png")
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    foreign = upload(client, other, png(picture()), "foreign.png")
    base = {"project_id": pid, "image": still["id"], "mask": still["id"]}
    for bad in (
        {"mask": foreign["id"]},
        {"image": "/etc/passwd"},
        {"mask": f"/projects/{other}/assets/uploads/x.png"},
        {"strength": 0},
        {"strength": 1.5},
        {"steps": 0},
        {"feather_px": -1},
        {"seed": -1},
    ):
        r = client.post("/edit/inpaint", json={**base, **bad})
        assert r.status_code == 422, (bad, r.text)
    r = client.post(
        "/edit/inpaint",
        content=b'{"project_id": "%s", "image": "%s", "mask": "%s", "guidance": NaN}'
        % (pid.encode(), still["id"].encode(), still["id"].encode()),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422


def test_an_element_trigger_in_the_inpaint_prompt_becomes_its_words(client, project):
    pid = project["id"]
    img = picture()
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[38:82, 58:102] = 255
    still, matte = upload(client, pid, png(img), "plate.png"), upload(client, pid, png(mask, "L"), "matte.png")
    r = client.post(f"/projects/{pid}/elements", json={"name": "Mara", "description": "a red-haired pilot"})
    assert r.status_code == 201, r.text
    r = client.post(
        "/edit/inpaint", json={"project_id": pid, "image": still["id"], "mask": matte["id"], "prompt": "@Mara waving"}
    )
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "completed" and job["params"]["prompt"] == "Mara (a red-haired pilot) waving"
