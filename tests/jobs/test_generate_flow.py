"""Seed §1 over real HTTP with a real SSE client: queue -> progress -> complete, replay, cancel."""

from __future__ import annotations

import httpx
import pytest

from milimo.media import probe
from tests.sse import SSEClient
from tests.state import state_shots


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.conftest import ServerProcess

    s = ServerProcess(tmp_path_factory.mktemp("gen") / "data").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def pid(http):
    return http.post("/projects", json={"name": "Generation"}).json()["id"]


def generate(http, pid, **shot):
    shot.setdefault("prompt", "A lighthouse keeper climbs a spiral staircase at night")
    return http.post("/generate/advanced", json={"project_id": pid, "shot_config": shot})


def test_generate_advanced_emits_progress_then_complete(server, http, pid):
    sse = SSEClient(server.url)
    r = generate(http, pid, id="shot-flow", num_frames=25, width=256, height=160, fps=24, enhance_prompt=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "queued" and body["engine"] == "draft" and body["pipeline"] == "ti2vid"
    job_id = body["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error"))
    assert done.type == "complete", done.data
    events = sse.for_job(job_id)
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert events[0].type == "progress" and events[0].data["message"] == "Loading models..." and events[0].data["progress"] == 0
    enhanced = [e for e in events if e.data.get("enhanced_prompt")]
    assert enhanced and enhanced[0].data["progress"] == 5
    progress = [e.data["progress"] for e in events if e.type == "progress"]
    assert progress == sorted(progress), "progress never goes backwards"
    assert any(e.data.get("eta") is not None for e in events if e.type == "progress")
    assert done.data["video_url"] == f"/projects/{pid}/generated/{job_id}.mp4"
    assert done.data["thumbnail_url"] and done.data["shot_id"] == "shot-flow" and done.data["actual_frames"] == 25
    sse.close()

    status = http.get(f"/status/{job_id}").json()
    assert status["status"] == "completed" and status["progress"] == 100 and status["engine"] == "draft"
    shot = next(s for s in state_shots(http.get(f"/projects/{pid}").json()) if s["id"] == "shot-flow")
    assert (shot["status"], shot["video_url"], shot["engine"], shot["actual_frames"]) == (
        "completed",
        done.data["video_url"],
        "draft",
        25,
    )
    assert shot["enhanced_prompt"] == enhanced[0].data["enhanced_prompt"]

    video = http.get(done.data["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = server.data_dir / "projects" / pid / "generated" / f"{job_id}.mp4"
    info = probe(path)
    assert (info.num_frames, info.width, info.height, float(info.fps)) == (25, 256, 160, 24.0)
    assert http.get(done.data["thumbnail_url"]).headers["content-type"] == "image/jpeg"
    assets = http.get(f"/projects/{pid}/assets", params={"media_type": "video"}).json()
    assert any(a["url"] == done.data["video_url"] and a["engine"] == "draft" for a in assets)


def test_reconnect_with_last_event_id_replays_what_was_missed(server, http, pid):
    first = SSEClient(server.url)
    job_id = generate(http, pid, num_frames=17, width=128, height=96, enhance_prompt=False).json()["job_id"]
    first.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "complete")
    first.close()
    seen = first.for_job(job_id)
    middle = seen[len(seen) // 2]
    again = SSEClient(server.url, last_event_id=middle.id)
    again.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "complete", timeout=10)
    replayed = [e for e in again.events if e.data.get("job_id") == job_id]
    assert [e.id for e in replayed] == [e.id for e in seen if e.id > middle.id]
    again.close()


def test_snapping_is_reported_and_applied(http, pid):
    r = generate(http, pid, id="shot-snap", num_frames=100, width=250, height=150, enhance_prompt=False)
    body = r.json()
    changed = {a["field"]: (a["requested"], a["used"]) for a in body["adjustments"]}
    assert changed == {"num_frames": (100, 97), "width": (250, 256), "height": (150, 160)}
    shot = next(s for s in state_shots(http.get(f"/projects/{pid}").json()) if s["id"] == "shot-snap")
    assert (shot["num_frames"], shot["width"], shot["height"]) == (97, 256, 160)


def test_one_frame_goes_to_the_image_engine(server, http, pid):
    sse = SSEClient(server.url)
    job_id = generate(http, pid, id="shot-still", num_frames=1, width=320, height=192, enhance_prompt=False).json()["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error"))
    sse.close()
    assert done.type == "complete" and done.data["type"] == "image" and done.data["asset_id"]
    assert done.data["video_url"].endswith(".jpg")
    asset = http.get(f"/assets/{done.data['asset_id']}").json()
    assert (asset["width"], asset["height"], asset["engine"]) == (320, 192, "draft")
    assert http.get(done.data["thumbnail_url"]).status_code == 200


def test_generate_image_creates_an_asset_with_its_recipe(server, http, pid):
    sse = SSEClient(server.url)
    r = http.post(
        "/generate/image",
        json={
            "project_id": pid,
            "prompt": "Concept art: a storm over the pier",
            "width": 256,
            "height": 256,
            "seed": 7,
            "num_inference_steps": 4,
        },
    )
    job_id = r.json()["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error"))
    sse.close()
    assert done.type == "complete" and done.data["type"] == "image"
    asset = http.get(f"/assets/{done.data['asset_id']}").json()
    assert asset["meta"]["seed"] == 7 and asset["meta"]["prompt"].startswith("Concept art") and asset["meta"]["engine"] == "draft"
    steps = [e for e in sse.for_job(job_id) if e.type == "progress" and "Generating image" in e.data["message"]]
    assert len(steps) >= 2


def test_cancel_while_running_stops_and_cleans_up(server, http, pid):
    sse = SSEClient(server.url)
    job_id = generate(http, pid, id="shot-cancel", num_frames=505, width=768, height=512, enhance_prompt=False).json()["job_id"]
    sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "progress" and e.data["progress"] > 10)
    assert http.post(f"/jobs/{job_id}/cancel").json() == {"job_id": job_id, "status": "cancelling"}
    ended = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("cancelled", "complete", "error"))
    sse.close()
    assert ended.type == "cancelled"
    assert http.get(f"/status/{job_id}").json()["status"] == "cancelled"
    shot = next(s for s in state_shots(http.get(f"/projects/{pid}").json()) if s["id"] == "shot-cancel")
    assert shot["status"] == "pending" and shot.get("video_url") is None
    generated = server.data_dir / "projects" / pid / "generated"
    assert not [p for p in generated.iterdir() if job_id in p.name]
    assert not (server.data_dir / "projects" / pid / "workspace" / job_id).exists()
    assert http.post(f"/jobs/{job_id}/cancel").status_code == 409


def test_cancel_while_pending_is_immediate(server, http, pid):
    sse = SSEClient(server.url)
    running = generate(http, pid, id="shot-busy", num_frames=505, width=768, height=512, enhance_prompt=False).json()["job_id"]
    waiting = generate(http, pid, id="shot-wait", num_frames=25, width=128, height=96, enhance_prompt=False).json()["job_id"]
    assert http.get(f"/status/{waiting}").json()["status"] == "pending"
    assert http.post(f"/jobs/{waiting}/cancel").json()["status"] == "cancelled"
    sse.wait_for(lambda e: e.data.get("job_id") == waiting and e.type == "cancelled", timeout=5)
    jobs = {j["job_id"]: j["status"] for j in http.get(f"/projects/{pid}/jobs").json()}
    assert jobs[waiting] == "cancelled" and jobs[running] in ("pending", "processing")
    http.post(f"/jobs/{running}/cancel")
    sse.wait_for(lambda e: e.data.get("job_id") == running and e.type == "cancelled")
    sse.close()
    shot = next(s for s in state_shots(http.get(f"/projects/{pid}").json()) if s["id"] == "shot-wait")
    assert shot["status"] == "pending"
    assert http.get(f"/status/{waiting}").json()["started_at"] is None


@pytest.mark.parametrize(
    "shot, status, words",
    [
        ({"num_frames": 0}, 422, "num_frames"),
        ({"num_frames": 1_000_000}, 422, "num_frames"),
        ({"width": -768}, 422, "width"),
        ({"cfg_scale": "NaN"}, 422, "cfg_scale"),
        ({"num_frames": 2000, "pipeline_override": "keyframe"}, 422, "ti2vid pipeline only"),
        ({"timeline": [{"asset_id": "nope", "frame_index": 0}]}, 422, "not an asset of this project"),
        ({"timeline": [{"url": "/etc/passwd", "frame_index": 0}]}, 422, "not a media URL this server issued"),
        ({"timeline": [{"url": "/projects/other/generated/x.jpg"}]}, 422, "another project"),
        ({"prompt": None}, 422, "prompt"),
        ({"pipeline_override": "magic"}, 422, "pipeline_override"),
    ],
)
def test_bad_generate_input_is_4xx_with_a_reason(http, pid, shot, status, words):
    r = generate(http, pid, **shot)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"], r.json()


def test_unknown_project_job_and_bad_ids(http):
    assert http.post("/generate/advanced", json={"project_id": "nope", "shot_config": {"prompt": "x"}}).status_code == 404
    assert http.get("/status/job_nope").status_code == 404
    assert http.post("/jobs/job_nope/cancel").status_code == 404
    assert http.get("/projects/nope/jobs").status_code == 404
    assert http.post("/generate/image", json={"project_id": "nope", "prompt": "x"}).status_code == 404
    assert http.post("/generate/image", json={"project_id": "x", "prompt": ""}).status_code == 422


def test_deleting_a_project_mid_job_cancels_it_and_the_workers_carry_on(server, http):
    doomed = http.post("/projects", json={"name": "Doomed"}).json()["id"]
    sse = SSEClient(server.url)
    job_id = generate(http, doomed, num_frames=505, width=768, height=512, enhance_prompt=False).json()["job_id"]
    sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type == "progress" and e.data["progress"] > 10)
    assert http.delete(f"/projects/{doomed}").status_code == 200
    sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("cancelled", "error", "complete"))
    assert http.get(f"/status/{job_id}").status_code == 404
    assert not (server.data_dir / "projects" / doomed).exists()
    # The slot survived: the next job runs.
    other = http.post("/projects", json={"name": "Next"}).json()["id"]
    next_id = generate(http, other, num_frames=9, width=128, height=96, enhance_prompt=False).json()["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == next_id and e.type in ("complete", "error"))
    sse.close()
    assert done.type == "complete"


def test_a_deleted_shot_restored_with_its_take_gets_its_video_back(server, http, pid):
    sse = SSEClient(server.url)
    job_id = generate(http, pid, id="restore-me", num_frames=9, width=128, height=96, enhance_prompt=False).json()["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error"))
    sse.close()
    state = http.get(f"/projects/{pid}").json()
    shot = next(s for s in state["shots"] if s["id"] == "restore-me")
    assert shot["media_asset_id"] == done.data["asset_id"]
    saved = http.put(f"/projects/{pid}/save", json={"base_version": state["version"], "deleted_shot_ids": ["restore-me"]}).json()
    # Undo of the delete: the client sends the shot back with its take; the answer says what the server derived.
    saved = http.put(
        f"/projects/{pid}/save",
        json={
            "base_version": saved["version"],
            "shots": [{"id": "restore-me", "prompt": shot["prompt"], "num_frames": 9, "media_asset_id": shot["media_asset_id"]}],
        },
    ).json()
    restored = next(s for s in saved["shots"] if s["id"] == "restore-me")
    assert (restored["video_url"], restored["status"], restored["engine"]) == (shot["video_url"], "completed", "draft")
