"""Still first: a shot whose elements have images opens on a still the image engine makes from them,
then the video engine animates it. Two linked jobs, one conditioning, cancelled and failed together."""

from __future__ import annotations

import numpy as np
from PIL import Image

from milimo.media import iter_frames
from tests.state import state_shots

from .helpers import upload, wait_job

SHOT = {"num_frames": 25, "width": 256, "height": 160, "fps": 24, "enhance_prompt": False}


def setup(client, pid, colour=(0, 255, 0)):
    ref = upload(client, pid, colour)
    el = client.post(
        f"/projects/{pid}/elements", json={"name": "Mara", "description": "a pilot", "image_asset_ids": [ref["id"]]}
    ).json()
    return ref, el


def generate(client, pid, **shot):
    r = client.post("/generate/advanced", json={"project_id": pid, "shot_config": {**SHOT, **shot}})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_video_is_conditioned_on_the_stills_asset(client, project, settings):
    pid = project["id"]
    setup(client, pid)
    q = generate(client, pid, prompt="@Mara walks to the car")
    assert q["still_first"] and q["still_job_id"] and q["pipeline"] == "ti2vid"
    video = wait_job(client, q["job_id"])
    still = client.get(f"/status/{q['still_job_id']}").json()
    assert still["status"] == video["status"] == "completed", (still, video)
    assert still["finished_at"] <= video["started_at"]  # the video waited for its still
    assert still["params"]["references"] and still["params"]["keyframe"]
    assert video["outputs"]["conditioned_on"] == still["asset_id"]
    assert video["params"]["prompt"] == "Mara (a pilot) walks to the car"
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert shot["keyframe_asset_id"] == still["asset_id"] and shot["media_asset_id"] == video["asset_id"]
    assert shot["status"] == "completed"
    # The still is the shot's keyframe, not a take: the take history lists the video alone, as take 1;
    # the Images gallery keeps the still.
    takes = client.get(f"/projects/{pid}/takes", params={"shot_id": shot["id"]}).json()["takes"]
    assert [(t["asset_id"], t["number"]) for t in takes] == [(video["asset_id"], 1)]
    assert still["asset_id"] in [a["id"] for a in client.get(f"/projects/{pid}/images").json()["items"]]


def test_regenerate_either_step_alone(client, project):
    pid = project["id"]
    setup(client, pid)
    q = generate(client, pid, prompt="@Mara waits")
    wait_job(client, q["job_id"])
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    keyframe, take = shot["keyframe_asset_id"], shot["media_asset_id"]
    # the video alone, from the keyframe it has: no image job
    v = generate(client, pid, id=shot["id"], prompt="@Mara waits, then turns")
    r = client.post(
        "/generate/advanced",
        json={"project_id": pid, "regenerate": "video", "shot_config": {"id": shot["id"], "prompt": "again"}},
    )
    assert r.status_code == 200, r.text
    wait_job(client, v["job_id"])
    alone = wait_job(client, r.json()["job_id"])
    assert r.json()["still_job_id"] is None and alone["params"]["conditioning"][0]["rel_path"].endswith(".jpg")
    assert state_shots(client.get(f"/projects/{pid}").json())[0]["keyframe_asset_id"] != keyframe  # v made a new still
    # the still alone: a new keyframe, the take stays
    before = state_shots(client.get(f"/projects/{pid}").json())[0]
    s = client.post(
        "/generate/advanced",
        json={"project_id": pid, "regenerate": "still", "shot_config": {"id": shot["id"], "prompt": "@Mara"}},
    ).json()
    assert s["job_id"] == s["still_job_id"]
    still = wait_job(client, s["job_id"])
    after = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert after["keyframe_asset_id"] == still["asset_id"] and after["media_asset_id"] == before["media_asset_id"] != take
    assert after["status"] == "completed"


def test_the_switch_and_when_it_does_not_apply(client, project):
    pid = project["id"]
    ref, _ = setup(client, pid)
    assert not generate(client, pid, prompt="nobody here")["still_first"]  # no elements: plain text-to-video
    assert not generate(client, pid, prompt="@Mara", still_first=False)["still_first"]
    own = generate(client, pid, prompt="@Mara", timeline=[{"asset_id": ref["id"], "frame_index": 0}])
    assert not own["still_first"]  # the user's frame 0 wins
    assert generate(client, pid, prompt="an empty street", still_first=True)["still_first"]  # on by hand, no references
    r = client.post("/generate/advanced", json={"project_id": pid, "regenerate": "video", "shot_config": {"prompt": "x", **SHOT}})
    assert r.status_code == 422 and "no keyframe" in r.json()["detail"]


def test_cancelling_either_cancels_both(client, project):
    pid = project["id"]
    setup(client, pid)
    blocker = generate(client, pid, prompt="a long plain shot", num_frames=97)  # keeps the one slot busy
    a = generate(client, pid, prompt="@Mara runs")
    b = generate(client, pid, prompt="@Mara stops")
    assert client.post(f"/jobs/{a['job_id']}/cancel").json()["status"] == "cancelled"  # the video: its still goes too
    assert client.post(f"/jobs/{b['still_job_id']}/cancel").json()["status"] == "cancelled"  # the still: its video goes too
    for job_id in (a["job_id"], a["still_job_id"], b["job_id"], b["still_job_id"]):
        assert client.get(f"/status/{job_id}").json()["status"] == "cancelled", job_id
    assert wait_job(client, blocker["job_id"])["status"] == "completed"
    shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    assert shots[a["shot_id"]]["status"] == shots[b["shot_id"]]["status"] == "pending"


def test_a_failed_still_fails_its_video(client, project, settings):
    pid = project["id"]
    ref, _ = setup(client, pid)
    # block the slot with a job, then remove the reference file the queued still needs
    blocker = generate(client, pid, prompt="a long plain shot", num_frames=97)
    q = generate(client, pid, prompt="@Mara")
    (settings.project_dir(pid) / ref["url"].split(f"/projects/{pid}/")[1]).unlink()
    wait_job(client, blocker["job_id"])
    still, video = wait_job(client, q["still_job_id"]), wait_job(client, q["job_id"])
    assert still["status"] == "failed" and video["status"] == "failed"
    assert video["error"].startswith("The still it waited for failed")
    shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    assert shots[q["shot_id"]]["status"] == "failed"


def test_the_video_opens_on_the_still(client, project, settings):
    pid = project["id"]
    setup(client, pid, colour=(255, 0, 255))
    q = generate(client, pid, prompt="@Mara")
    video = wait_job(client, q["job_id"])
    still = client.get(f"/status/{q['still_job_id']}").json()
    root = settings.project_dir(pid)
    still_px = np.asarray(Image.open(root / still["url"].split(f"/projects/{pid}/")[1]).convert("RGB").resize((256, 160))).astype(
        int
    )
    first = next(iter_frames(root / video["video_url"].split(f"/projects/{pid}/")[1], 0, 1)).astype(int)
    assert np.abs(first - still_px).mean() < 40  # frame 0 is the still (encoded), not a text-to-video frame


STORY = "\nINT. HANGAR - NIGHT\n\nMara checks the engine.\n\nMara climbs into the cockpit.\n"


def storyboard(client, pid):
    """A committed scene of two shots that match Mara (her element has an image), small enough to be quick."""
    from tests.storyboard.test_api import commit, parse

    version = client.get(f"/projects/{pid}").json()["version"]
    board = commit(client, pid, parse(client, pid, STORY)["scenes"], version)
    shots = board["scenes"][0]["shots"]
    for s in shots:
        assert s["matched_elements"] and s["matched_elements"][0]["element_name"] == "Mara"
        small = {k: SHOT[k] for k in ("num_frames", "width", "height", "enhance_prompt")}
        assert client.patch(f"/shots/{s['id']}", json=small).status_code == 200
    return shots


def test_a_storyboard_shot_that_nothing_conditions_opens_on_a_still(client, project):
    pid = project["id"]
    setup(client, pid)
    first, second = storyboard(client, pid)
    r = client.post(f"/storyboard/shots/{first['id']}/generate")
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["conditioned_on"] == "none" and q["still_job_id"]
    video = wait_job(client, q["job_id"])
    still = client.get(f"/status/{q['still_job_id']}").json()
    assert still["status"] == video["status"] == "completed", (still, video)
    assert still["params"]["keyframe"] and still["params"]["references"]
    assert video["outputs"]["conditioned_on"] == still["asset_id"]
    shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
    assert shots[first["id"]]["keyframe_asset_id"] == still["asset_id"]
    # The next shot has its frame 0 already (the take before it): no still.
    r = client.post(f"/storyboard/shots/{second['id']}/generate").json()
    assert r["conditioned_on"] == "previous_shot" and r["still_job_id"] is None
    assert wait_job(client, r["job_id"])["status"] == "completed"


def test_a_storyboard_batch_makes_a_still_only_where_nothing_conditions_frame_0(client, project):
    pid = project["id"]
    setup(client, pid)
    first, second = storyboard(client, pid)
    r = client.post(f"/projects/{pid}/storyboard/batch-generate", json={"shot_ids": [first["id"], second["id"]]})
    assert r.status_code == 200, r.text
    one, two = r.json()["results"]
    assert one["conditioned_on"] == "none" and one["still_job_id"]
    assert two["conditioned_on"] == "previous_shot" and two["still_job_id"] is None and two["after_job_id"] == one["job_id"]
    first_job, second_job = wait_job(client, one["job_id"]), wait_job(client, two["job_id"])
    still = client.get(f"/status/{one['still_job_id']}").json()
    assert still["status"] == first_job["status"] == second_job["status"] == "completed", (still, first_job, second_job)
    assert first_job["outputs"]["conditioned_on"] == still["asset_id"]
    assert still["finished_at"] <= first_job["started_at"]
