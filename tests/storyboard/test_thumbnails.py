"""Concept art for shot cards (seed §6.2): one image job per shot without a thumbnail; the shot's
thumbnail is set and its video, take and status are left alone, `force` included."""

from __future__ import annotations

from tests.state import state_shots
from tests.storyboard.conftest import fixture_text
from tests.storyboard.test_api import commit, parse, wait_job
from tests.studio.test_uploads import mp4_bytes, upload


def shots_by_id(client, pid) -> dict[str, dict]:
    return {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}


def test_thumbnails_are_queued_per_shot_and_never_touch_a_take(client, project, tmp_path):
    pid = project["id"]
    text = fixture_text("three_scenes.fountain")
    board = commit(client, pid, parse(client, pid, text)["scenes"], project["version"], text)
    lighthouse = board["scenes"][1]["shots"]
    with_take, plain, dialogue = lighthouse[0], lighthouse[2], lighthouse[3]
    clip = upload(client, pid, mp4_bytes(tmp_path, frames=12), name="take.mp4", content_type="video/mp4").json()
    client.patch(f"/shots/{with_take['id']}", json={"media_asset_id": clip["id"], "num_frames": 12})
    before = shots_by_id(client, pid)
    last_event = client.app.state.studio.bus.last_id

    r = client.post(
        f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [plain["id"], dialogue["id"]], "width": 510, "height": 320}
    )  # snapped to the engine grid
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["queued"], body["skipped"], body["engine"], body["width"], body["height"]) == (2, 0, "draft", 512, 320)
    jobs = {x["shot_id"]: x["job_id"] for x in body["results"]}
    for sid, job_id in jobs.items():
        job = wait_job(client, job_id)
        assert job["status"] == "completed", job
        assert job["type"] == "thumbnail" and job["shot_id"] == sid
    after = shots_by_id(client, pid)
    for sid in jobs:
        url = after[sid]["thumbnail_url"]
        assert url and url.startswith(f"/projects/{pid}/generated/thumb_")
        assert client.get(url).headers["content-type"] == "image/jpeg"
        assert (after[sid]["status"], after[sid].get("video_url"), after[sid].get("media_asset_id")) == (
            before[sid]["status"],
            None,
            None,
        )
    params = client.get(f"/status/{jobs[dialogue['id']]}").json()
    assert params["status"] == "completed"
    # Concept art is the card's picture, not a take: the shot's take history stays empty.
    takes = client.get(f"/projects/{pid}/takes", params={"shot_id": plain["id"]})
    assert takes.status_code == 200, takes.text
    assert takes.json()["takes"] == []

    # The complete events name the shot and say it is a thumbnail (the card updates by shot_id).
    events, _ = client.app.state.studio.bus.since(last_event)
    done = {e.data["shot_id"]: e.data for e in events if e.type == "complete"}
    assert set(done) == set(jobs)
    assert all(
        d["is_thumbnail"] is True and d["type"] == "thumbnail" and d["thumbnail_url"] and "asset_id" not in d
        for d in done.values()
    )

    # Shots that have concept art are skipped; force redoes it, and never unlinks a video.
    r = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [plain["id"]]}).json()
    assert (r["queued"], r["skipped"], r["results"][0]["status"]) == (0, 1, "skipped")
    r = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [with_take["id"]], "force": True}).json()
    assert wait_job(client, r["results"][0]["job_id"])["status"] == "completed"
    took = shots_by_id(client, pid)[with_take["id"]]
    for key in ("media_asset_id", "video_url", "status", "engine", "actual_frames", "last_job_id"):
        assert took.get(key) == before[with_take["id"]].get(key), key  # the state leaves empty fields out
    assert took["thumbnail_url"] != before[with_take["id"]]["thumbnail_url"] and "/generated/thumb_" in took["thumbnail_url"]
    # The shot's only take is still its upload: the forced concept art did not join its history.
    listed = client.get(f"/projects/{pid}/takes", params={"shot_id": with_take["id"]}).json()["takes"]
    assert [(t["asset_id"], t["upload"]) for t in listed] == [(clip["id"], True)]


def test_thumbnail_prompts_come_from_the_storyboard(client, project):
    pid = project["id"]
    board = commit(
        client, pid, parse(client, pid, "\nINT. LIGHTHOUSE - NIGHT\n\nMara grips the rail.\n")["scenes"], project["version"]
    )
    sid = board["scenes"][0]["shots"][0]["id"]
    job_id = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [sid]}).json()["results"][0]["job_id"]
    wait_job(client, job_id)
    db = client.app.state.studio.db
    from milimo.db.models import Job

    with db.read() as session:
        params = session.get(Job, job_id).params
    assert params["prompt"] == "Cinematic storyboard concept art. INT. LIGHTHOUSE - NIGHT. Medium shot. Mara grips the rail."
    assert (params["width"], params["height"], params["steps"]) == (512, 320, 15)


def test_bad_thumbnail_requests_are_4xx(client, project):
    pid = project["id"]
    url = f"/projects/{pid}/storyboard/thumbnails"
    assert client.post(url, json={"shot_ids": []}).status_code == 422
    r = client.post(url, json={"shot_ids": ["nope"]})
    assert r.status_code == 422 and "not a shot of this project" in r.json()["detail"]
    assert client.post(url, json={"shot_ids": ["a"], "width": 10}).status_code == 422
    assert client.post("/projects/none/storyboard/thumbnails", json={"shot_ids": ["a"]}).status_code == 404


def test_a_second_click_does_not_queue_the_same_concept_art_twice(client, project):
    pid = project["id"]
    board = commit(
        client, pid, parse(client, pid, "\nINT. LIGHTHOUSE - NIGHT\n\nMara grips the rail.\n")["scenes"], project["version"]
    )
    sid = board["scenes"][0]["shots"][0]["id"]
    # A long render keeps the one slot busy, so the first concept-art job is still queued at the second click.
    blocker = client.post(
        "/generate/advanced",
        json={"project_id": pid, "shot_config": {"prompt": "a long plain shot", "num_frames": 97, "width": 256, "height": 160}},
    ).json()
    first = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [sid]}).json()
    [queued] = first["results"]
    again = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [sid], "force": True}).json()
    assert (again["queued"], again["skipped"]) == (0, 1)
    assert again["results"][0]["job_id"] == queued["job_id"] and "being made already" in again["results"][0]["detail"]
    assert wait_job(client, blocker["job_id"])["status"] == "completed"
    assert wait_job(client, queued["job_id"])["status"] == "completed"
    # Once it is done, force makes a new one.
    redo = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [sid], "force": True}).json()
    assert redo["queued"] == 1 and wait_job(client, redo["results"][0]["job_id"])["status"] == "completed"
