"""POST /edit/matte (seed §3): a clip tracked by a real segmentation service process, its mask sequence
encoded as a black-and-white clip frame for frame with the clip, for an editor's track matte."""

from __future__ import annotations

import numpy as np

from milimo.media import iter_frames, probe
from tests.jobs.test_chained_generation import wait_job
from tests.studio.conftest import masks_of, write_sequence


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_a_matte_is_the_tracked_masks_white_on_black_frame_for_frame_with_the_clip(
    studio, clip_project, clip, sequence, data_dir
):
    pid = clip_project["id"]
    clip_asset, clip_path = clip
    r = studio.post("/edit/matte", json={"project_id": pid, "mask_sequence": sequence["id"]})
    assert r.status_code == 202, r.text
    assert r.json()["frames"] == 48 and r.json()["num_frames"] == 48
    job = wait_job(studio, r.json()["job_id"])
    assert job["status"] == "completed" and job["type"] == "matte" and job["engine"] == "matte", job
    events = [e.data for e in studio.app.state.studio.bus.since(0)[0] if e.data.get("job_id") == job["id"]]
    assert events[-1]["type"] == "matte" and events[-1]["asset_id"] == job["asset_id"]

    asset = studio.get(f"/assets/{job['asset_id']}").json()
    assert asset["kind"] == "matte" and asset["media_type"] == "video" and asset["engine"] == "matte"
    assert asset["meta"]["mask_sequence_id"] == sequence["id"] and asset["meta"]["source_asset_id"] == clip_asset["id"]
    assert asset["filename"] == "square_matte.mp4", asset["filename"]
    assert asset["meta"]["tracker"] == "draft"  # the engine that made the masks, beside the matte's own
    path = data_dir / "projects" / pid / asset["url"].split(f"/projects/{pid}/", 1)[1]
    src, out = probe(clip_path), probe(path)
    assert (out.num_frames, out.fps, out.width, out.height) == (src.num_frames, src.fps, src.width, src.height)
    assert not out.has_audio

    masks = masks_of(studio, sequence)
    for i, frame in enumerate(iter_frames(path)):
        luma = frame.mean(axis=2)
        assert np.abs(frame.astype(int) - luma[..., None]).max() <= 3, i  # grey: no colour
        white = luma > 127
        assert iou(white, masks[i]) > 0.97, i  # the tracked mask, within codec tolerance at its edge
        assert luma[~white].max() < 20 and luma[white].min() > 235, i  # black and white, not grey


def test_grow_feather_and_invert_and_frames_without_a_mask_are_black(studio, clip_project, clip, data_dir):
    pid = clip_project["id"]
    clip_asset, clip_path = clip
    square = np.zeros((144, 192), bool)
    square[40:80, 40:80] = True
    seq = write_sequence(studio, data_dir, pid, clip_asset["id"], [10, 11, 12], square)
    r = studio.post(
        "/edit/matte", json={"project_id": pid, "mask_sequence": seq["id"], "grow_px": 4, "feather_px": 6, "invert": True}
    )
    assert r.status_code == 202, r.text
    job = wait_job(studio, r.json()["job_id"])
    assert job["status"] == "completed", job
    asset = studio.get(f"/assets/{job['asset_id']}").json()
    assert asset["meta"]["first_frame"] == 10 and asset["meta"]["last_frame"] == 12 and asset["meta"]["invert"] is True
    path = data_dir / "projects" / pid / asset["url"].split(f"/projects/{pid}/", 1)[1]
    frames = [f.mean(axis=2) for f in iter_frames(path)]
    assert len(frames) == probe(clip_path).num_frames
    assert all(f.min() > 235 for i, f in enumerate(frames) if i not in (10, 11, 12))  # inverted: nothing masked is all white
    f = frames[11]
    assert f[60, 60] < 20 and f[10, 10] > 235  # inside black, far outside white
    edge = f[60, 36:44]  # across the grown edge (x = 36): a ramp, not a step
    assert (np.diff(edge) <= 2).all() and edge[0] - edge[-1] > 100 and ((edge > 30) & (edge < 225)).sum() >= 3, edge
    assert f[60, 37] < f[60, 30]  # grown: already darker left of the square's own edge at x = 40


def test_bad_requests_are_4xx_and_queue_nothing(studio, clip_project, clip, sequence):
    pid = clip_project["id"]
    clip_asset, _ = clip
    before = len(studio.get(f"/projects/{pid}/jobs").json())
    for body, field in (
        ({"mask_sequence": clip_asset["id"]}, "mask_sequence"),  # a clip, not a sequence
        ({"mask_sequence": sequence["id"], "feather_px": 65}, "feather_px"),
        ({"mask_sequence": sequence["id"], "grow_px": -1}, "grow_px"),
        ({"mask_sequence": sequence["id"], "invert": "yes"}, "invert"),
        ({"mask_sequence": sequence["id"], "format": "exr"}, "format"),
    ):
        r = studio.post("/edit/matte", json={"project_id": pid, **body})
        assert r.status_code == 422 and field in r.text, (body, r.text)
    other = studio.post("/projects", json={"name": "Other"}).json()
    r = studio.post("/edit/matte", json={"project_id": other["id"], "mask_sequence": sequence["id"]})
    assert r.status_code == 422 and "not an asset of this project" in r.text
    assert studio.post("/edit/matte", json={"project_id": pid, "mask_sequence": "nope"}).status_code == 404
    assert len(studio.get(f"/projects/{pid}/jobs").json()) == before
