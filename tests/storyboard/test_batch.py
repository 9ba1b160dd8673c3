"""Batch generation (seed §6): one job per shot in story order, each waiting for the one before it and
continuing from its last frame; a failed or cancelled predecessor is reported on the dependents."""

from __future__ import annotations

import numpy as np
from PIL import Image

from milimo.media.frames import last_frame
from tests.state import state_shots
from tests.storyboard.test_api import commit, parse, wait_job
from tests.storyboard.test_generate import SCRIPT, small


def test_batch_runs_in_story_order_and_each_shot_continues_from_the_one_before(client, project, settings):
    pid = project["id"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    ids = [s["id"] for s in board["scenes"][0]["shots"]]
    for sid in ids:
        small(client, pid, sid)
    r = client.post(f"/projects/{pid}/storyboard/batch-generate", json={"shot_ids": list(reversed(ids))})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["shot_id"] for x in results] == ids  # story order, whatever order they were asked in
    assert [x["after_job_id"] for x in results] == [None, results[0]["job_id"], results[1]["job_id"]]
    assert [x["conditioned_on"] for x in results] == ["none", "previous_shot", "previous_shot"]
    jobs = [wait_job(client, x["job_id"]) for x in results]
    assert [j["status"] for j in jobs] == ["completed"] * 3, [j.get("error") for j in jobs]
    assert jobs[0]["finished_at"] <= jobs[1]["started_at"] and jobs[1]["finished_at"] <= jobs[2]["started_at"]
    shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    folder = settings.project_dir(pid)
    for before, after in zip(ids, ids[1:]):
        take = shots[before]
        frame = folder / f"assets/references/continuity_{after}_{take['media_asset_id']}.jpg"
        assert frame.exists(), "the shot was not conditioned on the take of the one before it"
        expected = np.asarray(last_frame(folder / take["video_url"].split(f"/projects/{pid}/", 1)[1]), dtype=np.float32)
        assert np.abs(np.asarray(Image.open(frame).convert("RGB"), dtype=np.float32) - expected).mean() < 3
    assert all(shots[i]["status"] == "completed" and shots[i]["video_url"] for i in ids)


def test_a_cancelled_predecessor_is_reported_on_its_dependents(client, project):
    pid = project["id"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    ids = [s["id"] for s in board["scenes"][0]["shots"]]
    for sid in ids:
        small(client, pid, sid)
    results = client.post(f"/projects/{pid}/storyboard/batch-generate", json={"shot_ids": ids}).json()["results"]
    assert client.post(f"/jobs/{results[0]['job_id']}/cancel").status_code == 200
    jobs = [wait_job(client, x["job_id"]) for x in results]
    assert [j["status"] for j in jobs] == ["cancelled", "failed", "failed"]
    assert ids[0] in jobs[1]["error"] and "cancelled" in jobs[1]["error"] and "was not generated" in jobs[1]["error"]
    assert ids[1] in jobs[2]["error"] and "failed" in jobs[2]["error"]
    shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    assert [shots[i]["status"] for i in ids] == ["pending", "failed", "failed"]


def test_batch_bad_input(client, project):
    pid = project["id"]
    url = f"/projects/{pid}/storyboard/batch-generate"
    assert client.post(url, json={"shot_ids": []}).status_code == 422
    r = client.post(url, json={"shot_ids": ["nope"]})
    assert r.status_code == 422 and "not a shot of this project" in r.json()["detail"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    ids = [s["id"] for s in board["scenes"][0]["shots"]]
    assert client.post(url, json={"shot_ids": ids, "base_version": 1}).status_code == 409
    for sid in ids:
        small(client, pid, sid)
    first = client.post(url, json={"shot_ids": ids[:1]}).json()
    r = client.post(url, json={"shot_ids": ids})
    assert r.status_code == 409 and "generating already" in r.json()["detail"]
    wait_job(client, first["results"][0]["job_id"])
