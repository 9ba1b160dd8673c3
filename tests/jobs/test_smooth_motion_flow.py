"""Smooth motion ×2 over real HTTP (a `milimo serve` subprocess, draft engines): a take of a shot becomes a
new take of the same shot at twice the frame rate, same length, same sound, its in-between frames
placed along the motion; cancelled halfway it leaves nothing; bad takes are 4xx before any row."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video, iter_frames, probe
from milimo.media.audio import spool_audio
from tests.sse import SSEClient

FPS, W, H, SIDE, STEP = 24, 192, 144, 28, 4
RED = (230, 40, 40)


def square_x(i: int) -> int:
    return 20 + STEP * i


def frame(i: int) -> np.ndarray:
    """A red square sliding right 4 px a frame over a grey ramp (texture, so the flow has something to hold)."""
    f = np.empty((H, W, 3), np.uint8)
    f[:] = np.arange(W, dtype=np.uint8)[None, :, None] // 4 + 40
    f[56 : 56 + SIDE, square_x(i) : square_x(i) + SIDE] = RED
    return f


def tone(num_frames: int, rate: int = 48_000) -> AudioTrack:
    t = np.arange(round(num_frames * rate / FPS)) / rate
    return AudioTrack(samples=np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32), sample_rate=rate)


def red_centroid(f: np.ndarray) -> float:
    red = (f[..., 0].astype(int) > 150) & (f[..., 1] < 110) & (f[..., 2] < 110)
    return float(np.nonzero(red)[1].mean()), int(red.sum())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.conftest import ServerProcess

    s = ServerProcess(tmp_path_factory.mktemp("smooth") / "data", env={"MILIMO_VIDEO_ENGINE": "draft"}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def project(http):
    return http.post("/projects", json={"name": "Smooth"}).json()


def upload(http, pid: str, path: Path) -> dict:
    r = http.post("/upload", data={"project_id": pid}, files={"file": (path.name, path.read_bytes(), "video/mp4")})
    assert r.status_code == 201, r.text
    return r.json()


def shot_with(http, pid: str, shot_id: str, asset_id: str) -> None:
    version = http.get(f"/projects/{pid}").json()["version"]
    r = http.put(f"/projects/{pid}/save", json={"base_version": version, "shots": [{"id": shot_id, "media_asset_id": asset_id}]})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def square(http, project, tmp_path_factory):
    """24 frames (1 s) of the sliding square with a 440 Hz tone, uploaded and made shot "sq"'s take."""
    path = tmp_path_factory.mktemp("clip") / "square.mp4"
    encode_video((frame(i) for i in range(24)), path, fps=FPS, width=W, height=H, crf=10, audio=tone(24))
    asset = upload(http, project["id"], path)
    shot_with(http, project["id"], "sq", asset["id"])
    return asset, path


def wait(http, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise TimeoutError(job)


def smooth(http, pid: str, asset_id: str, **body):
    return http.post(f"/projects/{pid}/takes/{asset_id}/smooth", json=body or None)


def test_a_take_comes_back_at_twice_the_rate_with_its_sound_and_the_motion_in_between(server, http, project, square, tmp_path):
    pid = project["id"]
    asset, src_path = square
    sse = SSEClient(server.url)
    r = smooth(http, pid, asset["id"])
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["engine"] == "draft" and body["refine"] == "draft" and body["shot_id"] == "sq"
    assert body["source_fps"] == 24 and body["fps"] == 48 and body["source_frames"] == 24
    assert "DFR" in body["note"]  # an upload was not made by LTX-2.5's DFR pipeline: the answer says so
    done = sse.wait_for(lambda e: e.type == "complete" and e.data.get("job_id") == body["job_id"], timeout=240)
    sse.close()
    assert done.data["type"] == "smooth_motion" and done.data["shot_id"] == "sq" and done.data["asset_id"]
    progress = [e for e in sse.events if e.type == "progress" and e.data.get("job_id") == body["job_id"]]
    assert any("Interpolating" in (e.data.get("message") or "") for e in progress)

    job = wait(http, body["job_id"])
    assert job["status"] == "completed" and job["engine"] == "draft"
    new = http.get(f"/assets/{done.data['asset_id']}").json()
    assert new["kind"] == "generated" and new["engine"] == "draft" and new["meta"]["smoothed_from"] == asset["id"]

    data = server.data_dir / "projects" / pid / new["url"].split(f"/projects/{pid}/", 1)[1]
    src, out = probe(src_path), probe(data)
    assert out.fps == 2 * src.fps and out.num_frames in (2 * src.num_frames - 1, 2 * src.num_frames)
    assert abs(out.duration - src.duration) <= 1 / float(src.fps)  # same length within a frame
    assert (out.width, out.height) == (src.width, src.height) and out.has_audio

    # the sound is the take's own: sample for sample within the codec's tolerance
    a = spool_audio(src_path, tmp_path / "a.f32").samples
    b = spool_audio(data, tmp_path / "b.f32").samples
    n = min(a.shape[1], b.shape[1])
    assert abs(a.shape[1] - b.shape[1]) <= 2048 and np.abs(a[:, :n] - b[:, :n]).mean() < 0.02

    frames = list(iter_frames(data))
    for k in (3, 10, 17):  # output frame 2k+1 lies between source frames k and k+1
        (x0, _), (xm, area), (x1, _) = (
            red_centroid(frames[2 * k]),
            red_centroid(frames[2 * k + 1]),
            red_centroid(frames[2 * k + 2]),
        )
        assert x0 < xm < x1 and abs(xm - (x0 + x1) / 2) < 1.0, (k, x0, xm, x1)
        assert area > 0.8 * SIDE * SIDE  # one whole square half-way, not a cross-fade's two half-bright ones
        lo = np.minimum(frames[2 * k].astype(int), frames[2 * k + 2].astype(int)).mean()
        hi = np.maximum(frames[2 * k].astype(int), frames[2 * k + 2].astype(int)).mean()
        assert lo - 2 <= frames[2 * k + 1].astype(int).mean() <= hi + 2

    # a new take of the same shot, listed, current (it finished last), made with what its source was
    takes = http.get(f"/projects/{pid}/takes", params={"shot_id": "sq"}).json()["takes"]
    smoothed = next(t for t in takes if t["asset_id"] == new["id"])
    assert smoothed["current"] and smoothed["smoothed_from"] == asset["id"] and smoothed["fps"] == 48
    assert smoothed["engine"] == "draft" and smoothed["changed"] == []
    shot = next(s for s in http.get(f"/projects/{pid}").json()["shots"] if s["id"] == "sq")
    assert shot["media_asset_id"] == new["id"] and shot["status"] == "completed"

    # and the original is still selectable as the shot's take
    shot_with(http, pid, "sq", asset["id"])
    takes = http.get(f"/projects/{pid}/takes", params={"shot_id": "sq"}).json()["takes"]
    assert next(t for t in takes if t["asset_id"] == asset["id"])["current"]


def test_a_generated_draft_take_smooths_and_keeps_its_made_with(server, http, project):
    pid = project["id"]
    r = http.post(
        "/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "id": "gen",
                "prompt": "A kite over dunes",
                "num_frames": 17,
                "width": 128,
                "height": 96,
                "fps": 12,
                "enhance_prompt": False,
            },
        },
    )
    assert r.status_code == 200, r.text
    take = wait(http, r.json()["job_id"])
    assert take["status"] == "completed"
    r = smooth(http, pid, take["asset_id"], engine="draft")
    assert r.status_code == 202, r.text
    job = wait(http, r.json()["job_id"])
    assert job["status"] == "completed", job
    takes = http.get(f"/projects/{pid}/takes", params={"shot_id": "gen"}).json()["takes"]
    assert [t["number"] for t in takes] == [1, 2]
    smoothed = takes[1]
    assert smoothed["smoothed_from"] == take["asset_id"] and smoothed["num_frames"] in (33, 34) and smoothed["fps"] == 24
    assert smoothed["made_with"]["prompt"] == "A kite over dunes" and smoothed["made_with"]["num_frames"] == 17
    assert smoothed["changed"] == []  # the shot still asks for 17 frames at 12 fps: the smoothed take is not out of date


def test_cancel_halfway_leaves_no_file_and_the_shot_its_take(server, http, project, tmp_path):
    pid = project["id"]
    path = tmp_path / "long.mp4"  # long enough to be caught halfway: 240 frames at 640x360
    big = np.zeros((360, 640, 3), np.uint8)

    def frames():
        for i in range(240):
            big[:] = 40
            big[100:180, 10 + 2 * i : 90 + 2 * i] = RED
            yield big

    encode_video(frames(), path, fps=FPS, width=640, height=360, crf=20)
    asset = upload(http, pid, path)
    shot_with(http, pid, "long", asset["id"])
    r = smooth(http, pid, asset["id"])
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 120
    while http.get(f"/status/{job_id}").json()["progress"] < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert http.post(f"/jobs/{job_id}/cancel").status_code == 200
    job = wait(http, job_id)
    assert job["status"] == "cancelled", job
    assert 30 <= job["progress"] < 95  # it was stopped partway, not after the last frame
    generated = server.data_dir / "projects" / pid / "generated"
    assert not list(generated.glob(f"{job_id}*")) if generated.exists() else True
    shot = next(s for s in http.get(f"/projects/{pid}").json()["shots"] if s["id"] == "long")
    assert shot["media_asset_id"] == asset["id"] and shot["status"] == "completed"


def test_bad_takes_are_refused_before_any_job(server, http, project, square, tmp_path):
    from PIL import Image

    pid = project["id"]
    asset, _ = square
    jobs_before = len(http.get(f"/projects/{pid}/jobs").json())

    r = smooth(http, pid, "no-such-asset")
    assert r.status_code == 404 and "does not exist" in r.text

    still_path = tmp_path / "still.png"
    Image.new("RGB", (64, 64), (10, 20, 30)).save(still_path)
    still = http.post(
        "/upload", data={"project_id": pid}, files={"file": ("still.png", still_path.read_bytes(), "image/png")}
    ).json()
    r = smooth(http, pid, still["id"])
    assert r.status_code == 422 and "not a video" in r.text

    other = http.post("/projects", json={"name": "Other"}).json()
    r = smooth(http, other["id"], asset["id"])
    assert r.status_code == 422 and "another project" in r.text

    loose = tmp_path / "loose.mp4"  # a video of the project that no shot uses
    encode_video((frame(i) for i in range(8)), loose, fps=FPS, width=W, height=H)
    r = smooth(http, pid, upload(http, pid, loose)["id"])
    assert r.status_code == 422 and "not a take of any shot" in r.text

    fast = tmp_path / "fast.mp4"  # 2 × 120 fps is past what the draft interpolator makes
    encode_video((frame(i % 24) for i in range(24)), fast, fps=120, width=W, height=H)
    fast_asset = upload(http, pid, fast)
    shot_with(http, pid, "fast", fast_asset["id"])
    r = smooth(http, pid, fast_asset["id"])
    assert r.status_code == 422 and "already at 120 fps" in r.text

    r = smooth(http, pid, asset["id"], engine="ltx2")  # the real refine, asked for by name, says why it cannot
    assert r.status_code == 422 and "temporal refine cannot smooth this take" in r.text and "DFR" in r.text
    r = smooth(http, pid, asset["id"], engine="sora")
    assert r.status_code == 422
    assert len(http.get(f"/projects/{pid}/jobs").json()) == jobs_before
