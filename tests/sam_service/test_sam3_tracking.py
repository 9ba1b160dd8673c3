"""SAM 3 video tracking through the service process: a tiny random SAM 3 in the model library.

Sam3TrackerVideoModel carries clicks and boxes through the clip, Sam3VideoModel carries text.
The weights are random, so the masks mean nothing; what is checked is what a real checkpoint
goes through: loading from a facebook/sam3-style folder, sessions on transformers' inference
sessions, frame order in every direction, one streamed line per frame with binary masks at the
clip's size for each object, the engine named, determinism, and stop/cancel freeing the session.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import time

import numpy as np
import pytest
from PIL import Image

from milimo.media import encode_video
from milimo.sam_service.images import read_mask_png

from .conftest import SamProcess
from .synthetic import moving_square

pytestmark = [
    pytest.mark.models,
    pytest.mark.skipif(
        not all(importlib.util.find_spec(m) for m in ("torch", "transformers")), reason="needs the [models] extra"
    ),
]

FRAMES = 8
W, H = 192, 144
VIDEO = "projects/p/assets/square.mp4"


@pytest.fixture(scope="module")
def sam3(tmp_path_factory):
    from .tiny_sam3 import build_sam3

    data = tmp_path_factory.mktemp("sam3track")
    build_sam3(data / "models" / "sam3")
    frames, _ = moving_square(frames=FRAMES)
    folder = data / "projects" / "p" / "assets"
    folder.mkdir(parents=True)
    encode_video(iter(frames), folder / "square.mp4", fps=24, width=W, height=H, crf=12)
    p = SamProcess(data, {"HF_HUB_OFFLINE": "1", "MILIMO_DEVICE": "cpu", "MILIMO_SAM_MAX_SESSIONS": "3"}).start()
    yield p
    p.stop()


@pytest.fixture
def http(sam3):
    with sam3.client() as c:
        yield c


@pytest.fixture
def session(http):
    r = http.post("/track/start", json={"video": VIDEO})
    assert r.status_code == 200, r.text
    sid = r.json()["session_id"]
    yield sid, r.json()
    http.post("/track/stop", json={"session_id": sid})


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.iter_lines() if line]


def propagate(http, sid: str, **body) -> tuple[list[dict], dict]:
    with http.stream("POST", "/track/propagate", json={"session_id": sid, **body}) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("application/x-ndjson")
        got = lines(resp)
    return got[:-1], got[-1]


def check_masks(frame: dict, obj_ids: list[int]) -> dict[int, np.ndarray]:
    """Every object on the frame: a binary 8-bit PNG at the clip's size whose area and bbox match it."""
    assert frame["engine"] == "sam3" and frame["object_ids"] == obj_ids
    masks = {}
    for oid in obj_ids:
        entry = frame["objects"][str(oid)]
        png = base64.b64decode(entry["mask"])
        pixels = np.asarray(Image.open(io.BytesIO(png)))
        assert pixels.shape == (H, W) and set(np.unique(pixels)) <= {0, 255}
        mask = read_mask_png(png)
        assert entry["area"] == int(mask.sum()) and 0 <= entry["score"] <= 1
        masks[oid] = mask
    return masks


def prompt_two_objects(http, sid: str, frame_idx: int = 0) -> None:
    r = http.post("/track/prompt", json={"session_id": sid, "frame_idx": frame_idx, "obj_id": 1, "box": [40, 30, 120, 100]})
    assert r.status_code == 200, r.text
    assert r.json()["engine"] == "sam3" and r.json()["object_ids"] == [1]
    r = http.post(
        "/track/prompt",
        json={"session_id": sid, "frame_idx": frame_idx, "obj_id": 2, "points": [[150, 40], [20, 120]], "labels": [1, 0]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["object_ids"] == [1, 2]  # the frame's masks for every prompted object
    check_masks(r.json(), [1, 2])


def test_the_service_tracks_with_sam3(http, session):
    _, info = session
    assert info["engine"] == "sam3" and info["num_frames"] == FRAMES
    health = http.get("/health").json()
    assert health["engine"] == "sam3" and "Sam3TrackerVideoModel" in health["tracking"]


def test_clicks_and_a_box_forward_stream_one_line_per_frame(http, session):
    sid, _ = session
    prompt_two_objects(http, sid)
    frames, summary = propagate(http, sid, direction="forward")
    assert [f["frame_idx"] for f in frames] == list(range(FRAMES))
    for f in frames:
        check_masks(f, [1, 2])
    assert summary["status"] == "complete" and summary["engine"] == "sam3" and summary["frame_count"] == FRAMES


def test_backward_and_both_directions(http, session, sam3):
    sid, _ = session
    prompt_two_objects(http, sid, frame_idx=FRAMES - 1)
    frames, _ = propagate(http, sid, direction="backward", start_frame=FRAMES - 1, max_frames=5)
    assert [f["frame_idx"] for f in frames] == [7, 6, 5, 4, 3]
    for f in frames:
        check_masks(f, [1, 2])
    out = "projects/p/masks/track_both"
    frames, summary = propagate(http, sid, direction="both", start_frame=4, max_frames=3, output_dir=out)
    assert [f["frame_idx"] for f in frames] == [4, 5, 6, 3, 2]  # the start frame once
    for f in frames:
        assert f["engine"] == "sam3" and f["object_ids"] == [1, 2]
        for oid in (1, 2):
            mask = read_mask_png((sam3.data_dir / out / f["objects"][str(oid)]["file"]).read_bytes())
            assert mask.shape == (H, W)
    assert summary["frame_count"] == 5


def test_tracking_is_deterministic(http):
    runs = []
    for _ in range(2):
        sid = http.post("/track/start", json={"video": VIDEO}).json()["session_id"]
        try:
            prompt_two_objects(http, sid, frame_idx=2)
            frames, _ = propagate(http, sid, direction="both", start_frame=2)
            runs.append([(f["frame_idx"], f["objects"]["1"]["mask"], f["objects"]["2"]["mask"]) for f in frames])
        finally:
            http.post("/track/stop", json={"session_id": sid})
    assert runs[0] == runs[1] and [r[0] for r in runs[0]] == [2, 3, 4, 5, 6, 7, 1, 0]


def test_text_tracking_with_sam3_video(http, session):
    sid, _ = session
    r = http.post("/track/prompt", json={"session_id": sid, "obj_id": 3, "text": "the red square", "confidence": 0.0})
    assert r.status_code == 200, r.text
    check_masks(r.json(), [3])
    frames, summary = propagate(http, sid, direction="forward", max_frames=4)
    assert [f["frame_idx"] for f in frames] == [0, 1, 2, 3]
    for f in frames:
        check_masks(f, [3])
    assert summary["engine"] == "sam3"
    frames, _ = propagate(http, sid, direction="backward", start_frame=3, max_frames=2)
    assert [f["frame_idx"] for f in frames] == [3, 2]
    # the same object cannot be selected by clicks as well: a clear 422
    r = http.post("/track/prompt", json={"session_id": sid, "obj_id": 3, "points": [[10, 10]]})
    assert r.status_code == 422 and "text" in r.json()["detail"]


def test_stopping_mid_propagation_ends_the_stream_and_frees_the_session(http, sam3):
    sid = http.post("/track/start", json={"video": VIDEO}).json()["session_id"]
    prompt_two_objects(http, sid)
    with sam3.client() as other, other.stream("POST", "/track/propagate", json={"session_id": sid}) as resp:
        stream = resp.iter_lines()
        first = json.loads(next(stream))
        assert first["frame_idx"] == 0
        assert http.post("/track/stop", json={"session_id": sid}).status_code == 200
        rest = [json.loads(line) for line in stream if line]
    assert rest[-1]["status"] == "stopped" and len(rest) < FRAMES
    assert http.post("/track/prompt", json={"session_id": sid, "box": [1, 1, 50, 50]}).status_code == 404
    assert http.get("/health").json()["sessions"] == 0


def test_a_dropped_stream_releases_the_session(http, sam3, session):
    sid, _ = session
    prompt_two_objects(http, sid)
    with sam3.client() as other, other.stream("POST", "/track/propagate", json={"session_id": sid}) as resp:
        next(resp.iter_lines())  # one frame, then the client goes away
    deadline = time.monotonic() + 60
    while True:  # the service notices at its next write, closes the generator, and the session is usable again
        r = http.post("/track/prompt", json={"session_id": sid, "obj_id": 1, "box": [40, 30, 120, 100]})
        if r.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.text
