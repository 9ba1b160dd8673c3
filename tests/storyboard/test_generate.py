"""Generating a storyboard shot with continuity (seed §6): the second shot of a scene is conditioned
on the first shot's last frame — in the job's params and, with the draft engine, in the pixels."""

from __future__ import annotations

import numpy as np
from PIL import Image

from milimo.db.models import Job
from milimo.media.frames import iter_frames
from tests.state import state_shots
from tests.storyboard.test_api import commit, parse, wait_job
from tests.studio.test_uploads import mp4_bytes, upload

SCRIPT = "\nEXT. CLIFF PATH - DAWN\n\nTom runs along the edge of the cliff.\n\nTOM\nShe never listens.\n\nGulls scatter.\n"


def small(client, pid, sid):
    assert (
        client.patch(f"/shots/{sid}", json={"width": 256, "height": 160, "num_frames": 25, "enhance_prompt": False}).status_code
        == 200
    )


def job_params(client, job_id) -> dict:
    with client.app.state.studio.db.read() as session:
        return session.get(Job, job_id).params


def generate(client, sid, **body):
    r = client.post(f"/storyboard/shots/{sid}/generate", json=body or None)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_next_shot_continues_from_the_last_frame_of_the_one_before(client, project, settings, tmp_path):
    pid = project["id"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    first, second, third = board["scenes"][0]["shots"]
    for s in (first, second, third):
        small(client, pid, s["id"])

    one = generate(client, first["id"])
    assert (one["conditioned_on"], one["previous_shot_id"], one["pipeline"]) == ("none", None, "ti2vid")
    assert job_params(client, one["job_id"])["conditioning"] == []
    assert wait_job(client, one["job_id"])["status"] == "completed"
    video_one = client.get(f"/projects/{pid}").json()
    first_done = next(s for s in video_one["shots"] if s["id"] == first["id"])
    assert first_done["video_url"] and first_done["status"] == "completed"

    two = generate(client, second["id"])
    assert (two["conditioned_on"], two["previous_shot_id"]) == ("previous_shot", first["id"])
    params = job_params(client, two["job_id"])
    [item] = params["conditioning"]
    assert (
        item["frame_index"] == 0
        and item["rel_path"] == f"assets/references/continuity_{second['id']}_{first_done['media_asset_id']}.jpg"
    )
    assert params["prompt"].endswith("Following the previous shot: Tom runs along the edge of the cliff.")
    assert 'Tom says, "She never listens."' in params["prompt"]
    assert (
        params["context"]["dialogue"] == "She never listens." and params["context"]["scene_heading"] == "EXT. CLIFF PATH - DAWN"
    )
    assert wait_job(client, two["job_id"])["status"] == "completed"

    # The pixels. Give the first shot a take whose last frame is unmistakable (flat grey 220, where a
    # draft title card is dark brown), generate the second again: it opens on that frame.
    clip = upload(client, pid, mp4_bytes(tmp_path, frames=12), name="grey.mp4", content_type="video/mp4").json()
    assert client.patch(f"/shots/{first['id']}", json={"media_asset_id": clip["id"], "num_frames": 12}).status_code == 200
    again = generate(client, second["id"])
    [item] = job_params(client, again["job_id"])["conditioning"]
    assert item["rel_path"] == f"assets/references/continuity_{second['id']}_{clip['id']}.jpg"
    folder = settings.project_dir(pid)
    kept = np.asarray(Image.open(folder / item["rel_path"]).convert("RGB"), dtype=np.float32)
    assert abs(kept.mean() - 220) < 3  # the clip's last frame (i * 20 % 256 for i = 11)
    assert wait_job(client, again["job_id"])["status"] == "completed"
    second_done = next(s for s in state_shots(client.get(f"/projects/{pid}").json()) if s["id"] == second["id"])
    opening = next(iter_frames(folder / second_done["video_url"].split(f"/projects/{pid}/", 1)[1], 0, 1)).astype(np.float32)
    picture = opening[: int(opening.shape[0] * 0.8)]  # above the draft's footer stamp
    assert abs(np.median(picture) - 220) < 20, np.median(picture)
    unconditioned = next(iter_frames(folder / first_done["video_url"].split(f"/projects/{pid}/", 1)[1], 0, 1)).astype(np.float32)
    assert np.median(unconditioned[: int(opening.shape[0] * 0.8)]) < 120  # what a title card looks like


def test_concept_art_and_a_manual_image_come_before_the_previous_frame(client, project):
    pid = project["id"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    first, second, third = board["scenes"][0]["shots"]
    for s in (first, second, third):
        small(client, pid, s["id"])
    assert wait_job(client, generate(client, first["id"])["job_id"])["status"] == "completed"
    thumbs = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": [second["id"]]}).json()
    assert wait_job(client, thumbs["results"][0]["job_id"])["status"] == "completed"
    art_url = next(s for s in state_shots(client.get(f"/projects/{pid}").json()) if s["id"] == second["id"])["thumbnail_url"]
    assert art_url.startswith(f"/projects/{pid}/generated/thumb_")
    art = generate(client, second["id"])
    assert art["conditioned_on"] == "concept_art"
    [item] = job_params(client, art["job_id"])["conditioning"]
    assert item["rel_path"] == art_url.split(f"/projects/{pid}/", 1)[1]
    take = wait_job(client, art["job_id"])
    # The finished take put its poster on the card; the concept art is still what the shot regenerates from.
    done = next(s for s in state_shots(client.get(f"/projects/{pid}").json()) if s["id"] == second["id"])
    assert take["thumbnail_url"] and done["thumbnail_url"] == take["thumbnail_url"] != art_url
    again = generate(client, second["id"])
    assert again["conditioned_on"] == "concept_art"
    assert job_params(client, again["job_id"])["conditioning"] == [item]
    wait_job(client, again["job_id"])

    still = state_shots(client.get(f"/projects/{pid}").json())
    image_url = next(s for s in still if s["id"] == second["id"])["thumbnail_url"]
    client.patch(f"/shots/{third['id']}", json={"timeline": [{"url": image_url, "frame_index": 0, "strength": 0.8}]})
    manual = generate(client, third["id"])
    assert manual["conditioned_on"] == "timeline"
    [item] = job_params(client, manual["job_id"])["conditioning"]
    assert item["strength"] == 0.8
    wait_job(client, manual["job_id"])


def test_generate_refuses_what_it_cannot_do(client, project):
    pid = project["id"]
    board = commit(client, pid, parse(client, pid, SCRIPT)["scenes"], project["version"])
    sid = board["scenes"][0]["shots"][0]["id"]
    small(client, pid, sid)
    assert client.post("/storyboard/shots/nope/generate").status_code == 404
    assert client.post(f"/storyboard/shots/{sid}/generate", json={"base_version": 1}).status_code == 409
    job = generate(client, sid)
    r = client.post(f"/storyboard/shots/{sid}/generate")
    assert r.status_code == 409 and "generating already" in r.json()["detail"]
    wait_job(client, job["job_id"])
    long_keyframes = {"num_frames": 2000, "pipeline_override": "keyframe"}
    assert client.patch(f"/shots/{sid}", json=long_keyframes).status_code == 200
    r = client.post(f"/storyboard/shots/{sid}/generate")
    assert r.status_code == 422 and "ti2vid pipeline only" in r.json()["detail"]  # as POST /generate/advanced says it
