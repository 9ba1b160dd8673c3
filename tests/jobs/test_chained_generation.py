"""Chained generation with the draft engine: exact length, seamless frames, audio in sync, cancel."""

from __future__ import annotations

import time

import numpy as np
import pytest

from milimo.engines.draft import decode_frame_number
from milimo.engines.draft.sync import PIP_HZ, SAMPLE_RATE
from milimo.media import iter_frames, probe
from tests.state import state_shots


def wait_job(client, job_id, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise TimeoutError(job)


def chained(client, pid, frames, **extra):
    r = client.post(
        "/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "prompt": "A long tracking shot along the pier",
                "num_frames": frames,
                "width": 256,
                "height": 144,
                "fps": 24,
                "enhance_prompt": False,
                **extra,
            },
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


def decode_audio(path):
    import av

    with av.open(str(path)) as c:
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
    return np.concatenate(chunks, axis=1)[0]


@pytest.mark.parametrize("frames", [506, 986, 1200, 2000])
def test_chained_shot_has_exactly_the_requested_frames_and_seamless_numbering(client, project, settings, frames):
    body = chained(client, project["id"], frames, id=f"long-{frames}")
    assert body["chained"] is True and not [a for a in body["adjustments"] if a["field"] == "num_frames"]
    job = wait_job(client, body["job_id"])
    assert job["status"] == "completed", job
    path = settings.project_dir(project["id"]) / job["video_url"].split("/", 3)[3]
    info = probe(path)
    assert info.num_frames == frames and job["actual_frames"] == frames
    codes = [decode_frame_number(f) for f in iter_frames(path)]
    assert codes == list(range(frames)), "a seam duplicated or dropped frames"
    # Audio lasts as long as the video, within one frame.
    assert abs(info.duration - frames / 24) < 1 / 24
    shot = next(s for s in state_shots(client.get(f"/projects/{project['id']}").json()) if s["id"] == f"long-{frames}")
    assert (shot["status"], shot["num_frames"], shot["actual_frames"], shot["video_url"]) == (
        "completed",
        frames,
        frames,
        job["video_url"],
    )
    # No part files or extracted frames are left behind.
    assert not (settings.project_dir(project["id"]) / "workspace" / body["job_id"]).exists()


def test_audio_pips_stay_on_whole_seconds_across_seams(client, project, settings):
    job = wait_job(client, chained(client, project["id"], 1200)["job_id"])
    path = settings.project_dir(project["id"]) / job["video_url"].split("/", 3)[3]
    audio = decode_audio(path)
    assert abs(len(audio) / SAMPLE_RATE - 1200 / 24) < 1 / 24
    # Energy at the pip frequency per 10 ms window; each pip must start within one frame of its second.
    win = SAMPLE_RATE // 100
    t = np.arange(win) / SAMPLE_RATE
    probe_wave = np.exp(-2j * np.pi * PIP_HZ * t)
    energy = np.array([abs(np.dot(audio[i : i + win], probe_wave)) for i in range(0, len(audio) - win, win)])
    loud = energy > energy.max() * 0.3
    onsets = [i * win / SAMPLE_RATE for i in range(1, len(loud)) if loud[i] and not loud[i - 1]]
    assert len(onsets) >= 45
    for onset in onsets:
        assert abs(onset - round(onset)) <= 1 / 24 + 0.011, onset  # 20 s is the first seam (frame 480..505)


def test_cancel_halfway_leaves_no_output_and_no_parts(client, project, settings):
    body = chained(client, project["id"], 2000, id="cancel-long", width=512, height=288)
    deadline = time.monotonic() + 120
    while client.get(f"/status/{body['job_id']}").json()["progress"] < 40:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.post(f"/jobs/{body['job_id']}/cancel").json()["status"] == "cancelling"
    job = wait_job(client, body["job_id"])
    assert job["status"] == "cancelled"
    folder = settings.project_dir(project["id"])
    assert not [p for p in (folder / "generated").iterdir() if body["job_id"] in p.name]
    assert not (folder / "workspace" / body["job_id"]).exists()
    shot = next(s for s in state_shots(client.get(f"/projects/{project['id']}").json()) if s["id"] == "cancel-long")
    assert shot["status"] == "pending" and shot.get("video_url") is None


def test_chained_progress_reports_chunks_and_logs(client, project):
    bus = client.app.state.studio.bus
    # When each event was published, seen through the bus's relay hook (unused outside cluster mode).
    assert bus.relay is None
    published: dict[int, float] = {}
    bus.relay = lambda e: published.setdefault(e.id, time.monotonic())
    try:
        body = chained(client, project["id"], 986)
        wait_job(client, body["job_id"])
    finally:
        bus.relay = None
    events = [e for e in bus.since(0)[0] if e.data.get("job_id") == body["job_id"]]
    logs = [e.data["message"] for e in events if e.type == "log"]
    assert [m.split(" (")[0] for m in logs] == ["Generating chunk 1/3", "Generating chunk 2/3", "Generating chunk 3/3"]
    progress = [e.data["progress"] for e in events if e.type == "progress"]
    assert progress == sorted(progress) and any("Chunk 2/3" in e.data.get("message", "") for e in events)
    # Chunk 1's time left is the whole shot's: at its last step the two chunks still to come remain.
    steps = [
        e for e in events if e.type == "progress" and e.data.get("eta") is not None and e.data["message"].startswith("Chunk ")
    ]
    end_1 = [e for e in steps if e.data["message"].startswith("Chunk 1/3 (")][-1]
    end_2 = [e for e in steps if e.data["message"].startswith("Chunk 2/3 (")][-1]
    stitching = next(e for e in events if e.data.get("message", "").startswith("Stitching"))
    actually_left = published[stitching.id] - published[end_1.id]
    assert end_1.data["eta"] > 0, "an ETA for the current chunk only says 0 s left here"
    assert end_1.data["eta"] > end_2.data["eta"], "the last chunk keeps 1 frame: it weighs little"
    assert actually_left / 3 < end_1.data["eta"] < actually_left * 3, (end_1.data["eta"], actually_left)
