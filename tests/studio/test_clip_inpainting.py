"""POST /edit/inpaint-clip (seed §3) with the draft engines: a clip tracked by a real segmentation service
process, then every masked frame repainted into a new video that keeps the clip's rate, size and sound."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from milimo.media import encode_video, iter_frames, probe
from milimo.media.audio import spool_audio
from tests.jobs.test_chained_generation import wait_job
from tests.studio.conftest import FPS, masks_of, tone, upload, write_sequence


def outputs_on_disk(data_dir: Path, pid: str) -> list[str]:
    folder = data_dir / "projects" / pid / "generated"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_inpainting_a_tracked_clip_repaints_the_masks_and_keeps_the_rest(studio, clip_project, clip, sequence, data_dir):
    pid = clip_project["id"]
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


def test_bad_requests_are_4xx_and_write_nothing(studio, clip_project, clip, sequence, data_dir):
    pid = clip_project["id"]
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


def test_a_manifest_that_leaves_the_clip_or_its_folder_is_422(studio, clip_project, clip, data_dir):
    pid = clip_project["id"]
    clip_asset, _ = clip
    square = np.zeros((144, 192), bool)
    square[40:80, 40:80] = True
    before = outputs_on_disk(data_dir, pid)
    for frames, names in (([0, 48], None), ([0], ["../../../../etc/passwd"]), ([3], ["frame_00003_obj_1.png"])):
        seq = write_sequence(studio, data_dir, pid, clip_asset["id"], frames, square, names)
        r = studio.post("/edit/inpaint-clip", json={"project_id": pid, "mask_sequence": seq["id"]})
        assert r.status_code == 422 and "mask_sequence" in r.json()["detail"], r.text
    assert outputs_on_disk(data_dir, pid) == before


def test_cancel_mid_job_leaves_no_output(studio, clip_project, data_dir, tmp_path):
    pid = clip_project["id"]
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
