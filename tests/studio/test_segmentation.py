"""The studio's mask endpoints against a real segmentation service process (draft engine) sharing its data dir."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings
from milimo.media import encode_video
from tests.conftest import free_port
from tests.sam_service.synthetic import iou, moving_square, scene_with_object
from tests.studio.conftest import upload


@pytest.fixture(scope="module")
def project(studio) -> dict:
    return studio.post("/projects", json={"name": "Masks"}).json()


@pytest.fixture(scope="module")
def still(studio, project):
    img, truth = scene_with_object()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return upload(studio, project["id"], buf.getvalue(), "orange ball.png"), truth


@pytest.fixture(scope="module")
def clip(studio, project, tmp_path_factory):
    frames, truths = moving_square()
    path = tmp_path_factory.mktemp("clip") / "square.mp4"
    encode_video(iter(frames), path, fps=24, width=192, height=144, crf=12)
    return upload(studio, project["id"], path.read_bytes(), "square.mp4"), truths


def mask_of(client, url: str) -> np.ndarray:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)).convert("L")) > 127


def test_sam_status_says_draft(studio, sam):
    body = studio.get("/edit/sam/status").json()
    assert body["state"] == "draft" and body["engine"] == "draft" and body["url"] == sam.url


def test_clicks_on_a_still_become_a_mask_asset(studio, project, still, data_dir):
    asset, truth = still
    r = studio.post(
        "/edit/segment", json={"project_id": project["id"], "asset_id": asset["id"], "points": [[176, 120]], "labels": [1]}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    mask = body["asset"]
    assert mask["kind"] == "mask" and mask["media_type"] == "image" and mask["engine"] == "draft"
    assert (mask["width"], mask["height"]) == (320, 240)
    assert mask["meta"]["source_asset_id"] == asset["id"]
    name = mask["url"].rsplit("/", 1)[-1]
    stem = asset["url"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assert (
        mask["url"].startswith(f"/projects/{project['id']}/masks/")
        and name.startswith(f"{stem}_mask_")
        and len(name) == len(stem) + 16
    )
    assert (data_dir / "projects" / project["id"] / "masks" / name).is_file()
    assert iou(mask_of(studio, body["url"]), truth) >= 0.8
    listed = studio.get(f"/projects/{project['id']}/assets", params={"kind": "mask"}).json()
    assert mask["id"] in [a["id"] for a in listed]


def test_a_box_by_issued_url_works_too(studio, project, still):
    asset, truth = still
    r = studio.post("/edit/segment", json={"project_id": project["id"], "url": asset["url"], "box": [110, 55, 240, 185]})
    assert r.status_code == 201, r.text
    assert iou(mask_of(studio, r.json()["url"]), truth) >= 0.8


@pytest.mark.parametrize("points", ["__import__('os').system('id')", [["1", "2"]], [[1]], [[1, 2, 3]], "[[NaN, 1]]"])
def test_malformed_points_are_422_at_the_studio(studio, project, still, points):
    asset, _ = still
    body = json.dumps({"project_id": project["id"], "asset_id": asset["id"], "points": points})
    if points == "[[NaN, 1]]":
        body = body.replace('"[[NaN, 1]]"', "[[NaN, 1]]")
    r = studio.post("/edit/segment", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text


def test_points_outside_the_image_are_422_from_the_service(studio, project, still):
    asset, _ = still
    r = studio.post("/edit/segment", json={"project_id": project["id"], "asset_id": asset["id"], "points": [[5000, 10]]})
    assert r.status_code == 422 and "outside" in r.json()["detail"]


def test_sources_must_belong_to_the_project(studio, project, still):
    asset, _ = still
    other = studio.post("/projects", json={"name": "Other"}).json()
    for src in (
        {"asset_id": asset["id"]},
        {"url": asset["url"]},
        {"url": "/etc/passwd"},
        {"url": f"/projects/{project['id']}/assets/../../../milimo.db"},
    ):
        r = studio.post("/edit/segment", json={"project_id": other["id"], "points": [[1, 1]], **src})
        assert r.status_code == 422, (src, r.text)


def test_text_and_detect_without_sam3_are_501(studio, project, still):
    asset, _ = still
    for path in ("/edit/segment-text", "/edit/detect"):
        r = studio.post(path, json={"project_id": project["id"], "asset_id": asset["id"], "text": "the orange ball"})
        assert r.status_code == 501, r.text
        assert "milimo models download sam3" in r.json()["detail"]


def test_tracking_a_clip_saves_a_mask_sequence(studio, project, clip, data_dir):
    asset, truths = clip
    pid = project["id"]
    r = studio.post("/edit/track/start", json={"project_id": pid, "asset_id": asset["id"]})
    assert r.status_code == 200, r.text
    sid = r.json()["session_id"]
    assert r.json()["num_frames"] == 48
    ys, xs = np.nonzero(truths[0])
    box = [int(xs.min()) - 3, int(ys.min()) - 3, int(xs.max()) + 4, int(ys.max()) + 4]
    r = studio.post("/edit/track/prompt", json={"project_id": pid, "session_id": sid, "box": box})
    assert r.status_code == 200 and r.json()["object_ids"] == [1]
    with studio.stream("POST", "/edit/track/propagate", json={"project_id": pid, "session_id": sid}) as resp:
        assert resp.status_code == 200
        lines = [json.loads(x) for x in resp.iter_lines() if x]
    frames, last = lines[:-1], lines[-1]
    assert len(frames) == 48 and last["status"] == "complete"
    ious = [iou(mask_of(studio, f["objects"]["1"]["url"]), truths[f["frame_idx"]]) for f in frames[::6]]
    assert np.mean(ious) >= 0.7
    seq = last["asset"]
    assert seq["kind"] == "mask_sequence" and seq["num_frames"] == 48 and seq["meta"]["objects"] == [1]
    assert seq["meta"]["source_asset_id"] == asset["id"] and seq["meta"]["source_url"] == asset["url"]  # the clip it lies over
    manifest = studio.get(seq["url"]).json()
    assert [f["frame_idx"] for f in manifest["frames"]] == list(range(48))
    assert seq["engine"] == manifest["engine"] == "draft"  # the tracker that made the masks
    assert studio.post("/edit/track/stop", json={"project_id": pid, "session_id": sid}).status_code == 200
    assert studio.post("/edit/track/stop", json={"project_id": pid, "session_id": sid}).status_code == 404


def test_tracking_a_still_is_422(studio, project, still):
    asset, _ = still
    r = studio.post("/edit/track/start", json={"project_id": project["id"], "asset_id": asset["id"]})
    assert r.status_code == 422


def test_an_unknown_session_is_404_and_leaves_no_folder(studio, project, data_dir):
    r = studio.post("/edit/track/propagate", json={"project_id": project["id"], "session_id": "0" * 16})
    assert r.status_code == 404
    assert not list((data_dir / "projects" / project["id"] / "masks").glob("track_0000*"))


def test_service_down_is_503_and_the_studio_keeps_working(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", log_level="warning", sam_url=f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app(settings)) as c:
        pid = c.post("/projects", json={"name": "Down"}).json()["id"]
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), "red").save(buf, "PNG")
        asset = upload(c, pid, buf.getvalue(), "red.png")
        r = c.post("/edit/segment", json={"project_id": pid, "asset_id": asset["id"], "points": [[10, 10]]})
        assert r.status_code == 503
        assert "milimo sam-service" in r.json()["detail"]
        assert c.post("/edit/track/propagate", json={"project_id": pid, "session_id": "0" * 16}).status_code == 503
        assert c.get("/edit/sam/status").json()["state"] == "down"
        assert c.get(f"/projects/{pid}").status_code == 200  # everything else still answers
        assert not list((tmp_path / "data" / "projects" / pid / "masks").iterdir())
