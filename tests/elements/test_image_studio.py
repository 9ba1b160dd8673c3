"""The image studio through the real app and the draft engine: element resolution (explicit, implicit,
this project only), references by asset id or issued URL, limits said, the gallery, visuals."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from .helpers import counts, upload, wait_job

GREEN = (0, 255, 0)


def element(client, pid, name, images=(), **kw) -> dict:
    r = client.post(f"/projects/{pid}/elements", json={"name": name, "image_asset_ids": list(images), **kw})
    assert r.status_code == 201, r.text
    return r.json()


def image(client, pid, prompt, **kw) -> dict:
    r = client.post("/generate/image", json={"project_id": pid, "prompt": prompt, "width": 320, "height": 192, **kw})
    assert r.status_code == 200, r.text
    return r.json()


def pixels(settings, pid, url) -> np.ndarray:
    return np.asarray(Image.open(settings.project_dir(pid) / url.split(f"/projects/{pid}/")[1]).convert("RGB")).astype(int)


def near(arr: np.ndarray, colour) -> int:
    return int((np.abs(arr - np.array(colour)).sum(axis=2) < 60).sum())


def test_a_trigger_in_the_prompt_brings_its_elements_images_and_the_draft_card_shows_them(client, project, settings):
    pid = project["id"]
    ref = upload(client, pid, GREEN)
    mara = element(client, pid, "Mara", [ref["id"]], description="a red-haired pilot")
    queued = image(client, pid, "@Mara at the window", seed=7)
    assert queued["elements"] == [mara["id"]] and queued["references"] == [ref["id"]] and queued["dropped"] == []
    job = wait_job(client, queued["job_id"])
    assert job["status"] == "completed", job
    assert job["params"]["prompt"] == "Mara (a red-haired pilot) at the window"  # what the engine read
    with_ref = pixels(settings, pid, job["url"])
    plain = pixels(settings, pid, wait_job(client, image(client, pid, "someone at the window", seed=7)["job_id"])["url"])
    assert near(with_ref, GREEN) > 200 and near(plain, GREEN) == 0  # the REF thumbnail is the element's image


def test_another_projects_elements_never_leak_in(client, project):
    pid = project["id"]
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    element(client, other, "Mara", [upload(client, other)["id"]])
    queued = image(client, pid, "@Mara at the window")
    assert queued["elements"] == [] and queued["references"] == []
    assert wait_job(client, queued["job_id"])["params"]["prompt"] == "@Mara at the window"


def test_explicit_elements_get_their_trigger_appended_and_references_by_id_or_url(client, project):
    pid = project["id"]
    a, b, c = upload(client, pid, (200, 0, 0)), upload(client, pid, (0, 0, 200), kind="general"), upload(client, pid, (9, 9, 9))
    zoe = element(client, pid, "Zoë", [c["id"]])
    queued = image(client, pid, "a portrait", element_ids=[zoe["id"]], reference_images=[a["id"], b["url"]])
    assert queued["prompt"] == "a portrait @Zoë"
    assert queued["references"] == [a["id"], b["id"], c["id"]]  # explicit first, then the element's
    job = wait_job(client, queued["job_id"])
    assert job["params"]["prompt"] == "a portrait Zoë" and job["status"] == "completed"


def test_element_images_past_the_engine_limit_are_dropped_and_said(client, project):
    pid = project["id"]
    many = [upload(client, pid, (i * 30, 0, 0))["id"] for i in range(3)]
    more = [upload(client, pid, (0, i * 30, 0))["id"] for i in range(3)]
    element(client, pid, "Ann", many)
    element(client, pid, "Bo", more)
    queued = image(client, pid, "@Ann and @Bo")
    # every element's primary before anyone's second: Ann1, Bo1, Ann2, Bo2; the rest dropped
    assert queued["references"] == [many[0], more[0], many[1], more[1]]
    assert [d["asset_id"] for d in queued["dropped"]] == [many[2], more[2]]
    assert "at most 4 reference images" in queued["dropped"][0]["reason"]
    wait_job(client, queued["job_id"])
    meta = client.get(f"/projects/{pid}/images").json()["items"][0]["meta"]
    assert meta["references"] == queued["references"] and len(meta["dropped_references"]) == 2


@pytest.mark.parametrize(
    "case", ["unknown element", "another project's asset", "a video", "too many", "a raw path", "another project's URL", "empty"]
)
def test_bad_references_are_a_clear_4xx_and_write_nothing(client, project, tmp_path, case):
    pid = project["id"]
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    foreign = upload(client, other)
    if case == "a video":
        from milimo.media import encode_video

        clip = tmp_path / "c.mp4"
        encode_video(iter([np.zeros((64, 64, 3), np.uint8)] * 4), clip, fps=24, width=64, height=64)
        vid = client.post("/upload", data={"project_id": pid}, files={"file": ("c.mp4", clip.read_bytes(), "video/mp4")}).json()
    body = {
        "unknown element": {"element_ids": ["el_nope"]},
        "another project's asset": {"reference_images": [foreign["id"]]},
        "a video": {"reference_images": [vid["id"]] if case == "a video" else []},
        "too many": {"reference_images": [upload(client, pid)["id"] for _ in range(5)] if case == "too many" else []},
        "a raw path": {"reference_images": ["/etc/passwd"]},
        "another project's URL": {"reference_images": [foreign["url"]]},
        "empty": {"reference_images": [""]},
    }[case]
    before = counts(client)
    r = client.post("/generate/image", json={"project_id": pid, "prompt": "x", **body})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]
    assert counts(client) == before


def test_generation_settings_reach_the_job_and_the_gallery_newest_first(client, project):
    pid = project["id"]
    upload(client, pid, kind="general")  # an upload is not a still of the gallery
    upload(client, pid, kind="element")
    first = image(
        client, pid, "first", seed=1, num_inference_steps=3, guidance_scale=3.5, enable_true_cfg=True, negative_prompt="blurry"
    )
    wait_job(client, first["job_id"])
    second = image(client, pid, "second", seed=2)
    wait_job(client, second["job_id"])
    page = client.get(f"/projects/{pid}/images?limit=1").json()
    assert page["total"] == 2 and page["limit"] == 1 and page["items"][0]["meta"]["prompt"] == "second"
    older = client.get(f"/projects/{pid}/images?offset=1&limit=1").json()["items"][0]
    m = older["meta"]
    assert (m["prompt"], m["seed"], m["steps"], m["guidance"], m["true_cfg"], m["negative_prompt"], m["engine"]) == (
        "first",
        1,
        3,
        3.5,
        True,
        "blurry",
        "draft",
    )
    assert older["mime"] == "image/jpeg" and older["thumbnail_url"].endswith("_thumb.jpg")
    # a reference picker offers every image of the project: the stills and both uploads, newest first
    everything = client.get(f"/projects/{pid}/images?include_uploads=true").json()
    assert everything["total"] == 4 and [i["meta"].get("prompt") for i in everything["items"][:2]] == ["second", "first"]
    assert {i["kind"] for i in everything["items"]} == {"generated", "general", "element"}
    assert client.delete(f"/assets/{older['id']}").status_code == 200
    assert client.get(f"/projects/{pid}/images").json()["total"] == 1
    assert client.get("/projects/nope/images").status_code == 404


def test_visualize_makes_a_reference_image_of_the_element(client, project):
    pid = project["id"]
    loc = element(client, pid, "The Docks", type="location", description="rain-soaked piers", trigger_word="@Docks")
    queued = client.post(f"/elements/{loc['id']}/visualize", json={"seed": 3}).json()
    assert queued["prompt"].startswith("Concept art of The Docks: rain-soaked piers. Wide shot")
    job = wait_job(client, queued["job_id"])
    assert job["status"] == "completed" and job["type"] == "element_visual"
    images = client.get(f"/elements/{loc['id']}").json()["images"]
    assert [i["asset_id"] for i in images] == [job["asset_id"]]
    again = wait_job(
        client, client.post(f"/elements/{loc['id']}/visualize", json={"prompt_override": "at dawn"}).json()["job_id"]
    )
    assert [i["asset_id"] for i in client.get(f"/elements/{loc['id']}").json()["images"]] == [job["asset_id"], again["asset_id"]]
    assert again["params"]["prompt"].startswith("Concept art of The Docks: at dawn.")
    assert client.post("/elements/el_nope/visualize", json={}).status_code == 404
    assert client.post(f"/elements/{loc['id']}/visualize", json={"width": 10}).status_code == 422


def test_the_seeds_enable_ae_is_accepted_and_changes_nothing(client, project):
    pid = project["id"]
    job = wait_job(client, image(client, pid, "a lamp", seed=5, enable_ae=False)["job_id"])
    assert job["status"] == "completed" and "enable_ae" not in job["params"]
    el = element(client, pid, "Lamp", type="object")
    assert client.post(f"/elements/{el['id']}/visualize", json={"enable_ae": True}).status_code == 200
    assert client.post("/generate/image", json={"project_id": pid, "prompt": "x", "enable_ae": "sometimes"}).status_code == 422
