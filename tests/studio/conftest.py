"""Fixtures of the studio tests that talk to media: a data dir per module, the segmentation service
(draft engine) as a real process on it, and the studio app beside it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings
from milimo.db.models import Asset
from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video
from milimo.studio.ids import new_id
from tests.sam_service.conftest import SamProcess
from tests.sam_service.synthetic import moving_square


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, request) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "data"


@pytest.fixture(scope="module")
def sam(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    p = SamProcess(data_dir, {"MILIMO_SEGMENT_ENGINE": "draft"}).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def studio(data_dir: Path, sam: SamProcess):
    """The studio app on the same data dir as the segmentation service (a module may override it)."""
    settings = Settings(data_dir=data_dir, log_level="warning", sam_url=sam.url)
    with TestClient(create_app(settings)) as c:
        yield c


def upload(client, pid: str, data: bytes, name: str) -> dict:
    r = client.post("/upload", data={"project_id": pid}, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()


# A tracked clip, for the tests of what a mask sequence is used for (clip inpainting, mattes).
FPS = 24


@pytest.fixture(scope="module")
def clip_project(studio) -> dict:
    return studio.post("/projects", json={"name": "Clip inpaint"}).json()


def tone(num_frames: int, rate: int = 48_000) -> AudioTrack:
    t = np.arange(round(num_frames * rate / FPS)) / rate
    return AudioTrack(samples=np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32), sample_rate=rate)


@pytest.fixture(scope="module")
def clip(studio, clip_project, tmp_path_factory):
    """48 frames of a red square sliding over a textured background, with a 440 Hz tone."""
    frames, _ = moving_square()
    path = tmp_path_factory.mktemp("clip") / "square.mp4"
    encode_video(iter(frames), path, fps=FPS, width=192, height=144, crf=12, audio=tone(len(frames)))
    return upload(studio, clip_project["id"], path.read_bytes(), "square.mp4"), path


@pytest.fixture(scope="module")
def sequence(studio, clip_project, clip) -> dict:
    """Track the square with a box on frame 0 through the whole clip: the mask_sequence asset."""
    asset, _ = clip
    pid = clip_project["id"]
    sid = studio.post("/edit/track/start", json={"project_id": pid, "asset_id": asset["id"]}).json()["session_id"]
    _, truths = moving_square()
    ys, xs = np.nonzero(truths[0])
    box = [int(xs.min()) - 3, int(ys.min()) - 3, int(xs.max()) + 4, int(ys.max()) + 4]
    assert studio.post("/edit/track/prompt", json={"project_id": pid, "session_id": sid, "box": box}).status_code == 200
    with studio.stream("POST", "/edit/track/propagate", json={"project_id": pid, "session_id": sid}) as resp:
        lines = [json.loads(x) for x in resp.iter_lines() if x]
    studio.post("/edit/track/stop", json={"project_id": pid, "session_id": sid})
    assert lines[-1]["status"] == "complete"
    return lines[-1]["asset"]


def masks_of(studio, seq: dict) -> dict[int, np.ndarray]:
    manifest = studio.get(seq["url"]).json()
    base = seq["url"].rsplit("/", 1)[0]
    out = {}
    for f in manifest["frames"]:
        for name in f["masks"].values():
            m = np.asarray(Image.open(io.BytesIO(studio.get(f"{base}/{name}").content)).convert("L")) > 127
            out[f["frame_idx"]] = out.get(f["frame_idx"], np.zeros_like(m)) | m
    return out


def write_sequence(studio, data_dir: Path, pid: str, clip_id: str, frames: list[int], mask: np.ndarray, names=None) -> dict:
    """A mask_sequence as the studio registers one (segmentation._register_sequence): PNGs, manifest, one Asset."""
    folder_name = f"track_{new_id()[:16]}"
    folder = data_dir / "projects" / pid / "masks" / folder_name
    folder.mkdir(parents=True)
    Image.fromarray(mask.astype(np.uint8) * 255, "L").save(folder / "frame_00000_obj_1.png")
    masks = names or ["frame_00000_obj_1.png"] * len(frames)  # one file may stand for every frame
    manifest = {"frames": [{"frame_idx": i, "masks": {"1": n}, "scores": {"1": 1.0}} for i, n in zip(frames, masks, strict=True)]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    rel = f"masks/{folder_name}/manifest.json"
    asset = Asset(
        id=new_id(),
        project_id=pid,
        kind="mask_sequence",
        rel_path=rel,
        url=f"/projects/{pid}/{rel}",
        mime="application/json",
        num_frames=len(frames),
        meta={"objects": [1], "source_asset_id": clip_id},
    )

    def add(session):
        session.add(asset)
        session.flush()
        return asset.id

    return {"id": studio.app.state.studio.db.write(add)}
