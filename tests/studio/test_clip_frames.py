"""POST /assets/{id}/frame: one frame of a clip becomes a still of the project (the Mask editor opens on it)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings
from milimo.media import encode_video, iter_frames
from tests.sam_service.synthetic import moving_square
from tests.studio.conftest import upload


@pytest.fixture(scope="module")
def studio(data_dir: Path):  # no segmentation service: frames need none
    with TestClient(create_app(Settings(data_dir=data_dir, log_level="warning"))) as c:
        yield c


@pytest.fixture(scope="module")
def project(studio) -> dict:
    return studio.post("/projects", json={"name": "Frames"}).json()


@pytest.fixture(scope="module")
def clip(studio, project, tmp_path_factory):
    frames, truths = moving_square()
    path = tmp_path_factory.mktemp("enc") / "square.mp4"
    h, w = frames[0].shape[:2]
    encode_video(iter(frames), path, fps=24, width=w, height=h, crf=12)
    return upload(studio, project["id"], path.read_bytes(), "square.mp4"), frames, truths


def frames_on_disk(data_dir: Path, pid: str) -> list[Path]:
    return sorted((data_dir / "projects" / pid / "assets" / "frames").glob("*"))


def test_a_frame_of_a_clip_becomes_a_still_with_the_clips_pixels(studio, project, clip, data_dir):
    video, frames, truths = clip
    r = studio.post(f"/assets/{video['id']}/frame", json={"project_id": project["id"], "frame": 20})
    assert r.status_code == 201, r.text
    still = r.json()
    assert still["kind"] == "frame" and still["media_type"] == "image" and still["mime"] == "image/jpeg"
    assert (still["width"], still["height"]) == (192, 144)
    assert still["meta"] == {"source_asset_id": video["id"], "source_url": video["url"], "frame_index": 20}
    assert still["url"].startswith(f"/projects/{project['id']}/assets/frames/")
    got = np.asarray(Image.open(io.BytesIO(studio.get(still["url"]).content)).convert("RGB")).astype(int)
    decoded = next(iter_frames(data_dir / "projects" / project["id"] / video["url"].split("/", 3)[3], 20, 1)).astype(int)
    assert np.abs(got - decoded).mean() < 4  # the decoder's own frame 20, through JPEG at quality 95 (noisy texture)
    err = np.abs(got - frames[20].astype(int)).mean()
    assert err < 10, err  # and the picture that was encoded, within H.264 (4:2:0) tolerance
    moved = truths[19] | truths[20]  # where the square is in one of the two frames
    here, there = (np.abs(got - f.astype(int)).mean(axis=2)[moved].mean() for f in (frames[20], frames[19]))
    assert there > 1.5 * here, (here, there)  # frame 20, not its neighbour
    assert studio.get(f"/assets/{still['id']}").json()["id"] == still["id"]
    assert not [p for p in frames_on_disk(data_dir, project["id"]) if p.name.startswith(".")]  # no temporaries left


def test_the_last_frame_is_in_range_and_one_past_it_is_not(studio, project, clip):
    video = clip[0]
    assert studio.post(f"/assets/{video['id']}/frame", json={"project_id": project["id"], "frame": 47}).status_code == 201
    r = studio.post(f"/assets/{video['id']}/frame", json={"project_id": project["id"], "frame": 48})
    assert r.status_code == 422 and "0..47" in r.json()["detail"]


def test_bad_frames_write_nothing(studio, project, clip, data_dir):
    video = clip[0]
    pid = project["id"]
    other = studio.post("/projects", json={"name": "Other"}).json()
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buf, "PNG")
    still = upload(studio, pid, buf.getvalue(), "red.png")
    before_files = frames_on_disk(data_dir, pid)
    before_assets = studio.get(f"/projects/{pid}/assets").json()
    cases = [
        (video["id"], {"project_id": pid, "frame": 48}, 422),  # past the end
        (video["id"], {"project_id": pid, "frame": -1}, 422),
        (video["id"], {"project_id": pid, "frame": 1.5}, 422),
        (video["id"], {"project_id": pid}, 422),
        (still["id"], {"project_id": pid, "frame": 0}, 422),  # not a video
        (video["id"], {"project_id": other["id"], "frame": 0}, 422),  # another project's clip
        ("a" * 12, {"project_id": pid, "frame": 0}, 404),
        (video["id"], {"project_id": "b" * 12, "frame": 0}, 404),  # no such project
    ]
    for asset_id, body, status in cases:
        r = studio.post(f"/assets/{asset_id}/frame", json=body)
        assert r.status_code == status, (asset_id, body, r.text)
    assert frames_on_disk(data_dir, pid) == before_files
    assert studio.get(f"/projects/{pid}/assets").json() == before_assets
    assert studio.get(f"/projects/{other['id']}/assets").json() == []
    assert not (data_dir / "projects" / other["id"] / "assets" / "frames").exists()
