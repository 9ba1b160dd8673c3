"""POST /edit/inpaint-clip (seed §3) with the draft engines: a clip tracked by a real segmentation service
process, then every masked frame repainted into a new video that keeps the clip's rate, size and sound."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from milimo.db.models import Asset
from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video, iter_frames, probe
from milimo.media.audio import spool_audio
from milimo.studio.ids import new_id
from tests.jobs.test_chained_generation import wait_job
from tests.sam_service.synthetic import moving_square
from tests.studio.conftest import upload

FPS = 24


@pytest.fixture(scope="module")
def project(studio) -> dict:
    return studio.post("/projects", json={"name": "Clip inpaint"}).json()


def tone(num_frames: int, rate: int = 48_000) -> AudioTrack:
    t = np.arange(round(num_frames * rate / FPS)) / rate
    return AudioTrack(samples=np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32), sample_rate=rate)


@pytest.fixture(scope="module")
def clip(studio, project, tmp_path_factory):
    """48 frames of a red square sliding over a textured background, with a 440 Hz tone."""
    frames, _ = moving_square()
    path = tmp_path_factory.mktemp("clip") / "square.mp4"
    encode_video(iter(frames), path, fps=FPS, width=192, height=144, crf=12, audio=tone(len(frames)))
    return upload(studio, project["id"], path.read_bytes(), "square.mp4"), path


@pytest.fixture(scope="module")
def sequence(studio, project, clip) -> dict:
    """Track the square with a box on frame 0 through the whole clip: the mask_sequence asset."""
    asset, _ = clip
    pid = project["id"]
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


def outputs_on_disk(data_dir: Path, pid: str) -> list[str]:
    folder = data_dir / "projects" / pid / "generated"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_inpainting_a_tracked_clip_repaints_the_masks_and_keeps_the_rest(studio, project, clip, sequence, data_dir):
    pid = project["id"]
    clip_asset, clip_path = clip
    r = studio.post(
        "/edit/inpaint-clip", json={"project_id": pid, "mask_sequence": sequence["id"], "prompt": "empty wall", "seed": 11}
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["engine"] == "draft" and body["frames"] == 48 and body["num_frames"] == 48 and body["seed"] == 11
    job = wait_job(studio, body["job_id"])
    assert job["status"] == "completed", job
    assert job["engine"] == "draft" and job["outputs"]["has_audio"] is True and job["actual_frames"] == 48

    events = [e.data for e in studio.app.state.studio.bus.since(0)[0] if e.data.get("job_id") == body["job_id"]]
    done = [e for e in events if e.get("status") == "completed"]
    assert done and done[-1]["type"] == "inpaint_clip" and done[-1]["asset_id"] == job["asset_id"]
    progress = [e for e in events if e.get("status") == "processing" and "Inpainting frames" in (e.get("message") or "")]
    assert progress and any(e["eta"] is not None for e in progress)  # per frame, with an ETA

    asset = studio.get(f"/assets/{job['asset_id']}").json()
    assert asset["kind"] == "inpaint" and asset["media_type"] == "video" and asset["thumbnail_url"]
    assert asset["meta"]["source_asset_id"] == clip_asset["id"] and asset["meta"]["mask_sequence_id"] == sequence["id"]
    assert asset["meta"]["prompt"] == "empty wall" and asset["meta"]["seed"] == 11 and asset["meta"]["engine"] == "draft"
    assert studio.get(asset["thumbnail_url"]).status_code == 200

    out_path = data_dir / "projects" / pid / "generated" / f"{body['job_id']}.mp4"
    src, out = probe(clip_path), probe(out_path)
    assert (out.num_frames, out.fps, out.width, out.height) == (src.num_frames, src.fps, src.width, src.height)
    assert out.has_audio

    masks = masks_of(studio, sequence)
    kernel = np.ones((2 * (4 + 3) + 1,) * 2, np.uint8)  # grow_px (default 4) + 3 px of codec bleed
    inside_changes = []
    for i, (a, b) in enumerate(zip(iter_frames(clip_path), iter_frames(out_path), strict=True)):
        diff = np.abs(a.astype(int) - b.astype(int))
        mask = masks[i]
        near = cv2.dilate(mask.astype(np.uint8), kernel) > 0  # chroma subsampling and the codec bleed a few pixels
        assert diff[~near].mean() < 2.0, i  # outside the masks: the clip's own pixels, within codec tolerance
        inside_changes.append(diff[mask].mean())
        red = (b[..., 0].astype(int) > 140) & (b[..., 1] < 100) & (b[..., 2] < 110)
        assert red.sum() < 0.03 * 36 * 36, (i, int(red.sum()))  # not even the square's rim is left
    assert min(inside_changes) > 25  # the red square is gone from every frame

    src_sound = spool_audio(clip_path, data_dir / "src.f32")
    out_sound = spool_audio(out_path, data_dir / "out.f32")
    assert src_sound is not None and out_sound is not None
    assert abs(src_sound.samples.shape[1] - out_sound.samples.shape[1]) <= 1024  # one AAC frame
    assert abs(float(np.sqrt(np.mean(out_sound.samples[:, 2048:-2048] ** 2))) - 0.3 / np.sqrt(2)) < 0.02  # the tone, kept


def test_bad_requests_are_4xx_and_write_nothing(studio, project, clip, sequence, data_dir):
    pid = project["id"]
    clip_asset, _ = clip
    other = studio.post("/projects", json={"name": "Other"}).json()["id"]
    before_jobs = len(studio.get(f"/projects/{pid}/jobs").json())
    before_files = outputs_on_disk(data_dir, pid)
    base = {"project_id": pid, "mask_sequence": sequence["id"]}
    cases = [
        ({"project_id": other}, 422),  # the sequence is another project's
        ({"mask_sequence": clip_asset["id"]}, 422),  # a clip, not a sequence
        ({"mask_sequence": "nope"}, 404),
        ({"mask_sequence": "../../etc/passwd"}, 422),
        ({"project_id": "missing"}, 404),
        ({"strength": 0}, 422),
        ({"strength": 1.5}, 422),
        ({"steps": 0}, 422),
        ({"feather_px": -1}, 422),
        ({"feather_px": 65}, 422),
        ({"grow_px": 33}, 422),
        ({"seed": -1}, 422),
        ({"guidance": True}, 422),
        ({"path": "/etc/passwd"}, 422),
    ]
    for change, status in cases:
        r = studio.post("/edit/inpaint-clip", json={**base, **change})
        assert r.status_code == status, (change, r.text)
    r = studio.post(
        "/edit/inpaint-clip",
        content=b'{"project_id": "%s", "mask_sequence": "%s", "guidance": NaN}' % (pid.encode(), sequence["id"].encode()),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert len(studio.get(f"/projects/{pid}/jobs").json()) == before_jobs
    assert outputs_on_disk(data_dir, pid) == before_files


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


def test_a_manifest_that_leaves_the_clip_or_its_folder_is_422(studio, project, clip, data_dir):
    pid = project["id"]
    clip_asset, _ = clip
    square = np.zeros((144, 192), bool)
    square[40:80, 40:80] = True
    before = outputs_on_disk(data_dir, pid)
    for frames, names in (([0, 48], None), ([0], ["../../../../etc/passwd"]), ([3], ["frame_00003_obj_1.png"])):
        seq = write_sequence(studio, data_dir, pid, clip_asset["id"], frames, square, names)
        r = studio.post("/edit/inpaint-clip", json={"project_id": pid, "mask_sequence": seq["id"]})
        assert r.status_code == 422 and "mask_sequence" in r.json()["detail"], r.text
    assert outputs_on_disk(data_dir, pid) == before


def test_cancel_mid_job_leaves_no_output(studio, project, data_dir, tmp_path):
    pid = project["id"]
    n, w, h = 240, 640, 360
    yy, xx = np.mgrid[0:h, 0:w]
    plate = np.stack([xx % 256, yy % 256, (xx + yy) % 256], axis=-1).astype(np.uint8)
    path = tmp_path / "long.mp4"
    encode_video((plate for _ in range(n)), path, fps=FPS, width=w, height=h, preset="ultrafast", audio=tone(n))
    long_clip = upload(studio, pid, path.read_bytes(), "long.mp4")
    big = np.zeros((h, w), bool)
    big[40:320, 60:580] = True  # a large mask: Telea takes ~0.4 s a frame on it, so the job runs long enough to cancel
    seq = write_sequence(studio, data_dir, pid, long_clip["id"], list(range(n)), big)
    job_id = studio.post("/edit/inpaint-clip", json={"project_id": pid, "mask_sequence": seq["id"]}).json()["job_id"]
    deadline = time.monotonic() + 120
    while studio.get(f"/status/{job_id}").json()["progress"] < 9:  # a few frames in
        assert time.monotonic() < deadline
        time.sleep(0.05)
    running = studio.get(f"/status/{job_id}").json()
    assert running["status"] == "processing" and running["progress"] < 90, running
    assert studio.post(f"/jobs/{job_id}/cancel").json()["status"] == "cancelling"
    assert wait_job(studio, job_id)["status"] == "cancelled"
    folder = data_dir / "projects" / pid
    assert not [p for p in (folder / "generated").iterdir() if job_id in p.name]  # neither the file nor a .part
    assert not (folder / "thumbnails").exists() or not [p for p in (folder / "thumbnails").iterdir() if job_id in p.name]
    assert not (folder / "workspace" / job_id).exists()
    assert not [a for a in studio.get(f"/projects/{pid}/assets?kind=inpaint").json() if a.get("job_id") == job_id]
