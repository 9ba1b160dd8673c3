"""Masks from clicks and boxes through the service process (draft engine: GrabCut), and what it refuses."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from milimo.sam_service.images import read_mask_png

from .synthetic import iou, scene_with_object


def png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def scene():
    img, truth = scene_with_object()
    return png(img), truth


def predict(http, image: bytes, **form):
    return http.post(
        "/predict/mask",
        files={"image": ("s.png", image, "image/png")},
        data={k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()},
    )


def test_health_names_the_draft_engine(http):
    body = http.get("/health").json()
    assert body["engine"] == "draft" and body["version"].startswith("opencv-") and body["text_prompts"] is False


def test_one_click_on_the_object_gives_its_mask(http, scene):
    image, truth = scene
    r = predict(http, image, points=[[176, 120]], labels=[1])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    mask = read_mask_png(r.content)
    assert mask.shape == truth.shape
    assert iou(mask, truth) >= 0.8


def test_a_box_around_the_object_gives_its_mask(http, scene):
    image, truth = scene
    r = predict(http, image, box=[110, 55, 240, 185])
    assert r.status_code == 200, r.text
    assert iou(read_mask_png(r.content), truth) >= 0.8


def test_a_refusing_click_removes_what_it_touches(http, scene):
    image, _truth = scene
    keep = read_mask_png(predict(http, image, box=[110, 55, 240, 185]).content)
    cut = read_mask_png(predict(http, image, box=[110, 55, 240, 185], points=[[176, 120], [176, 68]], labels=[1, 0]).content)
    assert keep[68, 176] and not cut[68, 176]


@pytest.mark.parametrize(
    "points",
    [
        "__import__('os').system('touch /tmp/pwned')",  # code, as the reference evaluated it
        "open('x.txt','w').write('pwned') and [[1,2]]",
        "[[NaN, 10]]",
        "[[Infinity, 10]]",
        '[["10", "20"]]',
        "[[true, 10]]",
        "[[10]]",
        "[[10, 20, 30]]",
        "[[-1, 10]]",
        "[[10, 100000]]",
        '{"x": 1}',
    ],
)
def test_malformed_points_are_422_and_never_evaluated(http, scene, points):
    image, _ = scene
    r = predict(http, image, points=points)
    assert r.status_code == 422, r.text
    assert "points" in r.json()["detail"]


def test_labels_must_match_points(http, scene):
    image, _ = scene
    r = predict(http, image, points=[[10, 10], [20, 20]], labels=[1])
    assert r.status_code == 422 and "labels" in r.json()["detail"]
    assert predict(http, image, points=[[10, 10]], labels=[2]).status_code == 422


def test_a_box_outside_the_image_is_422(http, scene):
    image, _ = scene
    assert predict(http, image, box=[0, 0, 5000, 50]).status_code == 422
    assert predict(http, image, box=[50, 50, 10, 10]).status_code == 422


def test_no_prompt_is_422(http, scene):
    image, _ = scene
    assert predict(http, image).status_code == 422
    assert predict(http, image, points=[[10, 10]], labels=[0]).status_code == 422  # only refusals select nothing


def test_per_request_thresholds_are_bounded(http, scene):
    image, _ = scene
    assert predict(http, image, points=[[176, 120]], mask_threshold="1.5").status_code == 422
    assert predict(http, image, points=[[176, 120]], mask_threshold="nan").status_code == 422


def test_a_non_image_is_415(http):
    r = http.post("/predict/mask", files={"image": ("x.png", b"<?php echo 1; ?>" * 50, "image/png")}, data={"points": "[[1, 1]]"})
    assert r.status_code == 415, r.text


def test_an_image_past_the_pixel_cap_is_413_before_decoding(http):
    # 4000 x 2000 = 8 MP against a 4 MP cap; a solid PNG is tiny on the wire
    big = png(np.zeros((2000, 4000, 3), np.uint8))
    r = http.post("/predict/mask", files={"image": ("big.png", big, "image/png")}, data={"points": "[[1, 1]]"})
    assert r.status_code == 413, r.text
    assert "MILIMO_SAM_MAX_IMAGE_PIXELS" in r.json()["detail"]


def test_text_prompts_without_sam3_are_501_and_name_the_model(http, scene):
    image, _ = scene
    for path in ("/segment/text", "/detect"):
        r = http.post(path, files={"image": ("s.png", image, "image/png")}, data={"text": "the orange ball"})
        assert r.status_code == 501, r.text
        assert "milimo models download sam3" in r.json()["detail"]


def test_browsers_cannot_call_it(sam, scene):
    import httpx

    image, _ = scene
    # a cross-origin form post from a web page carries no custom header
    r = httpx.post(sam.url + "/predict/mask", files={"image": ("s.png", image, "image/png")}, data={"points": "[[1, 1]]"})
    assert r.status_code == 403
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1
    r = httpx.get(sam.url + "/health", headers={"host": "evil.example:8001"})
    assert r.status_code == 403
    assert "access-control-allow-origin" not in httpx.get(sam.url + "/health", headers={"origin": "http://evil.example"}).headers
