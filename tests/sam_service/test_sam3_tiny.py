"""SAM 3 in the service: a tiny random SAM 3 in the model library makes the service pick it; text and detection run it.

The weights are random, so the masks mean nothing; what is checked is the plumbing a real
checkpoint goes through: library lookup, loading from a facebook/sam3-style folder,
tokenising, preprocessing without torchvision, scores, boxes and masks at the image's size,
and thresholds that belong to each request.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from milimo.sam_service.images import read_mask_png

from .conftest import SamProcess
from .synthetic import scene_with_object

pytestmark = [
    pytest.mark.models,
    pytest.mark.skipif(
        not all(importlib.util.find_spec(m) for m in ("torch", "transformers")), reason="needs the [models] extra"
    ),
]


@pytest.fixture(scope="module")
def sam3(tmp_path_factory):
    from .tiny_sam3 import build_sam3

    data = tmp_path_factory.mktemp("sam3data")
    build_sam3(data / "models" / "sam3")
    p = SamProcess(data, {"HF_HUB_OFFLINE": "1", "MILIMO_DEVICE": "cpu"}).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def image() -> bytes:
    img, _ = scene_with_object(h=120, w=160)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


def post(client, path: str, image: bytes, **form):
    return client.post(path, files={"image": ("s.png", image, "image/png")}, data={k: str(v) for k, v in form.items()})


def test_the_service_picks_sam3_from_the_model_library(sam3):
    with sam3.client() as c:
        body = c.get("/health").json()
    assert body["engine"] == "sam3" and body["text_prompts"] is True
    assert body["weights"].endswith("models/sam3") and "weights found" in body["reason"]


def test_detect_returns_scored_objects_with_masks_at_the_image_size(sam3, image):
    with sam3.client() as c:
        r = post(c, "/detect", image, text="the orange ball", confidence=0.0, max_objects=3)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "sam3" and body["count"] == 3 and (body["width"], body["height"]) == (160, 120)
    scores = [o["score"] for o in body["objects"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    for o in body["objects"]:
        assert o["label"] == "the orange ball"
        x0, y0, x1, y1 = o["bbox"]
        assert 0 <= x0 <= x1 <= 160 and 0 <= y0 <= y1 <= 120
        mask = read_mask_png(base64.b64decode(o["mask"]))
        assert mask.shape == (120, 160) and o["area"] == int(mask.sum())


def test_segment_text_merges_and_thresholds_per_request(sam3, image):
    with sam3.client() as c, ThreadPoolExecutor(4) as pool:
        # the reference mutated one global threshold; here concurrent requests keep their own
        futures = [
            pool.submit(post, c, "/segment/text", image, text="ball", confidence=conf, mask_threshold=0.0)
            for conf in (0.0, 1.0, 0.0, 1.0)
        ]
        answers = [f.result() for f in futures]
    for conf, r in zip((0.0, 1.0, 0.0, 1.0), answers):
        assert r.status_code == 200, r.text
        mask = read_mask_png(r.content)
        assert mask.shape == (120, 160)
        if conf == 1.0:
            assert r.headers["x-objects"] == "0" and not mask.any()
        else:
            assert r.headers["x-objects"] == "5" and mask.all()  # threshold 0 on 5 queries: every pixel


def test_detect_validates_text(sam3, image):
    with sam3.client() as c:
        assert post(c, "/detect", image, text="").status_code == 422
        assert post(c, "/detect", image, text="x" * 500).status_code == 422
        assert post(c, "/detect", image, text="ball", confidence="2").status_code == 422


def test_the_engine_directly(tmp_path):
    """In-process, the same code path: scores are sigmoid(query) x sigmoid(presence)."""
    import torch

    from milimo.config import Settings
    from milimo.sam_service.sam3 import Sam3Engine

    from .tiny_sam3 import build_sam3

    build_sam3(tmp_path / "models" / "sam3")
    engine = Sam3Engine.from_settings(Settings(data_dir=tmp_path, device="cpu"))
    img, _ = scene_with_object(h=60, w=80)
    found = engine.detect(img, "red car", confidence=0.0, mask_threshold=0.5, max_objects=10)
    assert len(found) == 5 and engine.describe()["loaded"]
    model, tok = engine.image_model()
    ids = tok(["red car"], padding="max_length", max_length=32, return_tensors="pt")
    with torch.inference_mode():
        out = model(pixel_values=engine.pixels([img]), input_ids=ids["input_ids"], attention_mask=ids["attention_mask"])
    expected = (out.pred_logits[0].sigmoid() * out.presence_logits[0].sigmoid()).sort(descending=True).values
    assert np.allclose([d.score for d in found], expected.numpy(), atol=1e-5)


def test_clicks_and_boxes_go_through_the_sam3_click_model(sam3, image):
    with sam3.client() as c:
        for form in (
            {"points": "[[80, 60]]", "labels": "[1]"},
            {"box": "[40, 30, 120, 90]"},
            {"points": "[[80, 60], [10, 10]]", "labels": "[1, 0]", "box": "[40, 30, 120, 90]"},
        ):
            r = post(c, "/predict/mask", image, **form)
            assert r.status_code == 200, r.text
            assert r.headers["x-engine"] == "sam3" and 0 <= float(r.headers["x-mask-score"]) <= 1
            assert read_mask_png(r.content).shape == (120, 160)
        assert post(c, "/predict/mask", image, points="[[NaN, 1]]").status_code == 422
