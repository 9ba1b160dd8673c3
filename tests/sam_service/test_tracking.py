"""Tracking through the service process: a textured square moving through 48 frames (draft tracker)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from milimo.media import encode_video
from milimo.sam_service.images import read_mask_png

from .synthetic import iou, moving_square


@pytest.fixture(scope="module")
def clip(sam_data_dir: Path):
    frames, truths = moving_square()
    folder = sam_data_dir / "projects" / "p1" / "assets" / "uploads"
    folder.mkdir(parents=True)
    h, w = frames[0].shape[:2]
    encode_video(iter(frames), folder / "square.mp4", fps=24, width=w, height=h, crf=12)
    return "projects/p1/assets/uploads/square.mp4", truths


def box_of(truth: np.ndarray, pad: int = 3) -> list[int]:
    ys, xs = np.nonzero(truth)
    return [int(xs.min()) - pad, int(ys.min()) - pad, int(xs.max()) + 1 + pad, int(ys.max()) + 1 + pad]


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.iter_lines() if line]


@pytest.fixture
def session(http, clip):
    video, truths = clip
    r = http.post("/track/start", json={"video": video})
    assert r.status_code == 200, r.text
    sid = r.json()["session_id"]
    yield sid, r.json(), truths
    http.post("/track/stop", json={"session_id": sid})


def test_start_reports_the_clip(session):
    _, info, _ = session
    assert (
        info["engine"] == "draft"
        and info["num_frames"] == 48
        and info["fps"] == 24
        and (info["width"], info["height"]) == (192, 144)
    )


def test_tracking_a_moving_square_forward_through_48_frames(http, session, sam_data_dir):
    sid, _, truths = session
    r = http.post("/track/prompt", json={"session_id": sid, "frame_idx": 0, "obj_id": 1, "box": box_of(truths[0])})
    assert r.status_code == 200, r.text
    assert r.json()["object_ids"] == [1]
    out = "projects/p1/masks/track_square"
    with http.stream("POST", "/track/propagate", json={"session_id": sid, "direction": "forward", "output_dir": out}) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("application/x-ndjson")
        got = lines(resp)
    frames, summary = got[:-1], got[-1]
    assert summary["status"] == "complete" and summary["frame_count"] == 48 and summary["engine"] == "draft"
    assert all(f["engine"] == "draft" for f in frames)
    assert [f["frame_idx"] for f in frames] == list(range(48))
    ious = []
    for f in frames:
        name = f["objects"]["1"]["file"]
        mask = read_mask_png((sam_data_dir / out / name).read_bytes())
        ious.append(iou(mask, truths[f["frame_idx"]]))
    assert np.mean(ious) >= 0.7, ious
    assert not list((sam_data_dir / out).glob(".*"))  # atomic writes leave no temporaries


def test_tracking_backward_from_the_last_frame_streams_inline_masks(http, session):
    sid, _, truths = session
    http.post("/track/prompt", json={"session_id": sid, "frame_idx": 47, "obj_id": 2, "box": box_of(truths[47])})
    with http.stream(
        "POST", "/track/propagate", json={"session_id": sid, "direction": "backward", "start_frame": 47, "max_frames": 12}
    ) as resp:
        got = lines(resp)
    frames = got[:-1]
    assert [f["frame_idx"] for f in frames] == list(range(47, 35, -1))
    import base64

    ious = [iou(read_mask_png(base64.b64decode(f["objects"]["2"]["mask"])), truths[f["frame_idx"]]) for f in frames]
    assert np.mean(ious) >= 0.7


def test_both_directions_report_every_frame_once(http, session):
    sid, _, truths = session
    http.post("/track/prompt", json={"session_id": sid, "frame_idx": 20, "obj_id": 1, "box": box_of(truths[20])})
    with http.stream(
        "POST", "/track/propagate", json={"session_id": sid, "direction": "both", "start_frame": 20, "max_frames": 5}
    ) as resp:
        idx = [f["frame_idx"] for f in lines(resp)[:-1]]
    assert idx == [20, 21, 22, 23, 24, 19, 18, 17, 16]


def test_prompts_are_validated(http, session):
    sid, _, _ = session
    bad = [
        {"points": [[float("nan"), 1]]},
        {"points": [[1e9, 1]]},
        {"points": [["1", 2]]},
        {"box": [0, 0, 9999, 10]},
        {"frame_idx": 48, "points": [[10, 10]]},
        {},
    ]
    for extra in bad:
        body = json.dumps({"session_id": sid, **extra}, allow_nan=True)
        r = http.post("/track/prompt", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, (extra, r.text)


def test_text_tracking_without_sam3_is_501(http, session):
    sid, _, _ = session
    r = http.post("/track/prompt", json={"session_id": sid, "text": "the red square"})
    assert r.status_code == 501 and "sam3" in r.json()["detail"]


def test_paths_outside_the_projects_folder_are_refused(http):
    for video in ("/etc/passwd", "../../etc/passwd", "projects/../milimo.db", "projects/p1/../../x", "milimo.db"):
        assert http.post("/track/start", json={"video": video}).status_code == 404, video


def test_masks_are_written_only_under_a_project_masks_folder(http, session):
    sid, _, truths = session
    http.post("/track/prompt", json={"session_id": sid, "box": box_of(truths[0])})
    for out in ("projects/p1/generated/x", "projects/p1/masks/../../x", "/tmp/x", "projects/p1/masks/a/b"):
        r = http.post("/track/propagate", json={"session_id": sid, "output_dir": out})
        assert r.status_code in (404, 422), (out, r.text)


def test_sessions_are_bounded(http, clip):
    video, _ = clip
    opened = [http.post("/track/start", json={"video": video}).json()["session_id"] for _ in range(2)]
    try:
        r = http.post("/track/start", json={"video": video})
        assert r.status_code == 429 and "MILIMO_SAM_MAX_SESSIONS" in r.json()["detail"]
    finally:
        for sid in opened:
            assert http.post("/track/stop", json={"session_id": sid}).status_code == 200
    assert http.post("/track/stop", json={"session_id": opened[0]}).status_code == 404


def test_a_busy_session_answers_409(http, sam, session):
    sid, _, truths = session
    http.post("/track/prompt", json={"session_id": sid, "box": box_of(truths[0])})
    started = threading.Event()

    def slow_stream():
        with sam.client() as other, other.stream("POST", "/track/propagate", json={"session_id": sid}) as resp:
            for _ in resp.iter_lines():
                started.set()

    t = threading.Thread(target=slow_stream)
    t.start()
    assert started.wait(30)
    r = http.post("/track/prompt", json={"session_id": sid, "box": box_of(truths[0])})
    t.join(60)
    assert r.status_code in (200, 409)  # 409 while the stream holds the session; 200 if it finished first
    if r.status_code == 409:
        assert "busy" in r.json()["detail"]
