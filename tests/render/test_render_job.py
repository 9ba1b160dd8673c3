"""The render job over HTTP: queue, progress with ETA, `complete`, the asset in renders/, cancel, 4xx."""

from __future__ import annotations

import time

import av
import pytest

from milimo.media import probe
from tests.render.clips import codes, draft_clip, still
from tests.render.test_cut import upload


def wait_job(client, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise TimeoutError(job)


def events_of(client, job_id):
    bus = client.app.state.studio.bus
    events, _ = bus.since(0)
    return [(e.type, e.data) for e in events if e.data.get("job_id") == job_id]


@pytest.fixture
def cut_project(client, project, tmp_path):
    """Two 256x144 takes on V1 (the second trimmed 3 in)."""
    pid = project["id"]
    assert (
        client.put(
            f"/projects/{pid}/save", json={"base_version": 1, "project": {"resolution_w": 256, "resolution_h": 144}}
        ).status_code
        == 200
    )
    a = upload(client, pid, draft_clip(tmp_path / "a.mp4", 24, code0=100), "video/mp4")
    b = upload(client, pid, draft_clip(tmp_path / "b.mp4", 30, code0=200), "video/mp4")
    shots = [
        {"id": "one", "index": 0, "num_frames": 24, "media_asset_id": a["id"]},
        {"id": "two", "index": 1, "num_frames": 30, "trim_in": 3, "media_asset_id": b["id"]},
    ]
    assert client.put(f"/projects/{pid}/save", json={"base_version": 2, "shots": shots}).status_code == 200
    return pid


def test_render_job_completes_with_an_asset_in_renders(client, settings, cut_project):
    pid = cut_project
    r = client.post(f"/projects/{pid}/render", json={"format": "mp4", "muted": ["A1"]})
    assert r.status_code == 202, r.text
    queued = r.json()
    assert (queued["in_frame"], queued["out_frame"], queued["duration_frames"]) == (0, 51, 51)
    job = wait_job(client, queued["job_id"])
    assert job["status"] == "completed", job
    renders = client.get(f"/projects/{pid}/renders").json()
    assert len(renders) == 1
    asset = renders[0]
    assert (asset["kind"], asset["media_type"], asset["num_frames"], asset["mime"]) == ("render", "video", 51, "video/mp4")
    assert asset["url"] == job["video_url"] and asset["url"].startswith(f"/projects/{pid}/renders/")
    assert asset["meta"]["copied_frames"] == 24  # the first take is whole: its packets were copied
    path = settings.project_dir(pid) / asset["url"].split(f"/projects/{pid}/", 1)[1]
    assert codes(path) == list(range(100, 124)) + list(range(203, 230))
    assert probe(path).has_audio
    served = client.get(asset["url"])
    assert served.status_code == 200 and served.content == path.read_bytes()
    kinds = [t for t, _ in events_of(client, queued["job_id"])]
    assert kinds[-1] == "complete" and "progress" in kinds
    complete = events_of(client, queued["job_id"])[-1][1]
    assert (complete["type"], complete["asset_id"], complete["url"]) == ("render", asset["id"], asset["url"])


def test_render_of_a_range_as_prores(client, settings, cut_project):
    r = client.post(f"/projects/{cut_project}/render", json={"format": "prores", "in_frame": 20, "out_frame": 30})
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "completed", job
    asset = client.get(f"/projects/{cut_project}/renders").json()[0]
    assert asset["url"].endswith(".mov") and asset["num_frames"] == 10 and asset["mime"] == "video/quicktime"
    path = settings.project_dir(cut_project) / asset["url"].split(f"/projects/{cut_project}/", 1)[1]
    assert codes(path) == [120, 121, 122, 123, 203, 204, 205, 206, 207, 208]


def test_cancel_mid_render_leaves_nothing(client, settings, project, tmp_path):
    pid = project["id"]
    assert (
        client.put(
            f"/projects/{pid}/save", json={"base_version": 1, "project": {"resolution_w": 512, "resolution_h": 288}}
        ).status_code
        == 200
    )
    take = upload(client, pid, draft_clip(tmp_path / "long.mp4", 48, code0=0, width=512, height=288), "video/mp4")
    # A still held for 2,000 frames: nothing to copy, every frame encoded.
    image = upload(client, pid, still(tmp_path / "s.png"), "image/png")
    shots = [
        {"id": "v", "index": 0, "num_frames": 48, "media_asset_id": take["id"]},
        {"id": "s", "index": 1, "num_frames": 2000, "media_asset_id": image["id"]},
    ]
    assert client.put(f"/projects/{pid}/save", json={"base_version": 2, "shots": shots}).status_code == 200
    job_id = client.post(f"/projects/{pid}/render", json={}).json()["job_id"]
    deadline = time.monotonic() + 60
    while client.get(f"/status/{job_id}").json()["progress"] < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    running = client.get(f"/status/{job_id}").json()
    assert running["status"] == "processing" and running["eta_seconds"] is not None
    assert client.post(f"/jobs/{job_id}/cancel").status_code == 200
    assert wait_job(client, job_id)["status"] == "cancelled"
    renders = settings.project_dir(pid) / "renders"
    assert not renders.exists() or list(renders.iterdir()) == []
    assert client.get(f"/projects/{pid}/renders").json() == []


def test_bad_render_requests_are_clear_4xx(client, cut_project):
    empty = client.post("/projects", json={"name": "Empty"}).json()["id"]
    r = client.post(f"/projects/{empty}/render", json={})
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    r = client.post(f"/projects/{cut_project}/render", json={"in_frame": 40, "out_frame": 60})
    assert r.status_code == 422 and "outside the cut" in r.json()["detail"]
    assert client.post(f"/projects/{cut_project}/render", json={"format": "avi"}).status_code == 422
    assert client.post(f"/projects/{cut_project}/render", json={"muted": ["V3"]}).status_code == 422
    assert client.post(f"/projects/{cut_project}/render", json={"quality": "ultra"}).status_code == 422
    assert client.post("/projects/nope/render", json={}).status_code == 404
    assert client.get("/projects/nope/renders").status_code == 404
    assert client.get(f"/projects/{cut_project}/renders").json() == []


def test_prores_on_an_ffmpeg_build_without_prores_ks_is_a_503_and_no_job(client, cut_project, monkeypatch):
    """What PyAV reports of its FFmpeg build is the boundary: a build without the ProRes encoder."""
    monkeypatch.setattr(av, "codecs_available", frozenset(av.codecs_available) - {"prores_ks"})
    r = client.post(f"/projects/{cut_project}/render", json={"format": "prores"})
    assert r.status_code == 503 and "render H.264 (format mp4) instead" in r.json()["detail"], r.text
    assert [j for j in client.get(f"/projects/{cut_project}/jobs").json() if j["type"] == "render"] == []


def test_a_render_killed_mid_way_leaves_nothing_after_the_restart(client, settings, cut_project):
    """A crash (no cancel, no cleanup): recovery at the next start removes the master's part files."""
    from milimo.db.models import Job
    from milimo.db.states import JobStatus, JobType
    from milimo.jobs.recovery import recover_zombies

    db = client.app.state.studio.db
    db.write(
        lambda s: s.add(
            Job(
                id="job_dead",
                project_id=cut_project,
                type=JobType.render,
                status=JobStatus.processing,
                params={"project_version": 1},
            )
        )
    )
    renders = settings.project_dir(cut_project) / "renders"
    renders.mkdir(parents=True, exist_ok=True)
    # What render_cut leaves when the process dies: the master's part, a smart-render part, the reference.
    left = [
        renders / ".job_dead.1a2b3c4d.part.mp4",
        renders / ".job_dead.1a2b3c4d.part.seg0.mp4",
        renders / ".job_dead.1a2b3c4d.part.ref.mp4",
    ]
    for path in left:
        path.write_bytes(b"half a film")
    assert recover_zombies(db, settings) == ["job_dead"]
    assert not any(p.exists() for p in left)
