"""Storyboard shots and their concept art resolve the shot's elements: the prompt the engine reads
has "Name (description)" and the location as the setting; concept art gets the current images."""

from __future__ import annotations

from .helpers import upload, wait_job


def test_storyboard_generation_and_concept_art_use_the_shots_elements(client, project):
    pid = project["id"]
    ref = upload(client, pid, (0, 200, 0))
    mara = client.post(
        f"/projects/{pid}/elements", json={"name": "Mara", "description": "a red-haired pilot", "image_asset_ids": [ref["id"]]}
    ).json()
    docks = client.post(
        f"/projects/{pid}/elements",
        json={"name": "The Docks", "type": "location", "trigger_word": "@Docks", "description": "rain-soaked piers at night"},
    ).json()
    matched = [{"element_id": docks["id"], "element_name": "The Docks", "element_type": "location", "trigger_word": "@Docks"}]
    state = client.put(
        f"/projects/{pid}/save",
        json={
            "base_version": project["version"],
            "shots": [
                {
                    "id": "s1",
                    "prompt": "@Mara checks the rope",
                    "action": "@Mara checks the rope",
                    "num_frames": 25,
                    "width": 256,
                    "height": 160,
                    "enhance_prompt": False,
                    "matched_elements": matched,
                }
            ],
        },
    ).json()
    r = client.post("/storyboard/shots/s1/generate", json={"base_version": state["version"]})
    assert r.status_code == 200, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["params"]["prompt"].startswith("Mara (a red-haired pilot) checks the rope")
    assert job["params"]["prompt"].count("rain-soaked piers at night") == 1 and "Setting: The Docks" in job["params"]["prompt"]

    art = client.post(f"/projects/{pid}/storyboard/thumbnails", json={"shot_ids": ["s1"], "force": True}).json()
    [queued] = [x for x in art["results"] if x["status"] == "queued"]
    thumb = wait_job(client, queued["job_id"])
    assert thumb["params"]["references"] == [ref["url"].split(f"/projects/{pid}/")[1]]  # the element's image, from its row
    assert "Mara (a red-haired pilot)" in thumb["params"]["prompt"]
    assert mara["trigger_word"] == "@Mara"
