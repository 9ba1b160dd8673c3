"""Element CRUD through the real app: trigger rules, ordered images, delete semantics, isolation."""

from __future__ import annotations

import pytest

from .helpers import counts, upload


def make(client, pid: str, **body) -> dict:
    r = client.post(f"/projects/{pid}/elements", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_list_update_with_ordered_images(client, project):
    pid = project["id"]
    a, b = upload(client, pid, (200, 0, 0)), upload(client, pid, (0, 0, 200))
    el = make(client, pid, name="Mara Vale", description="a red-haired pilot", image_asset_ids=[a["id"], b["id"]])
    assert el["trigger_word"] == "@MaraVale" and el["type"] == "character"
    assert [i["asset_id"] for i in el["images"]] == [a["id"], b["id"]] and el["image_url"] == a["url"]
    r = client.patch(
        f"/elements/{el['id']}", json={"image_asset_ids": [b["id"], a["id"]], "trigger_word": "Mara", "type": "object"}
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["trigger_word"] == "@Mara" and got["type"] == "object" and got["image_url"] == b["url"]
    assert [e["id"] for e in client.get(f"/projects/{pid}/elements").json()] == [el["id"]]
    assert client.get(f"/elements/{el['id']}").json()["images"][0]["asset_id"] == b["id"]


def test_triggers_are_unique_per_project_in_any_case(client, project):
    pid = project["id"]
    make(client, pid, name="Zoë")
    before = counts(client)
    for body in ({"name": "zoë"}, {"name": "Other", "trigger_word": "@ZOË"}):
        r = client.post(f"/projects/{pid}/elements", json=body)
        assert r.status_code == 409 and r.json()["field"] == "trigger_word", r.text
    other = make(client, pid, name="Other")
    assert client.patch(f"/elements/{other['id']}", json={"trigger_word": "@zoë"}).status_code == 409
    assert counts(client)["Element"] == before["Element"] + 1
    # another project may use the same trigger
    pid2 = client.post("/projects", json={"name": "B"}).json()["id"]
    assert make(client, pid2, name="Zoë")["trigger_word"] == "@Zoë"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "X", "type": "vehicle"}, 422),
        ({"name": "X", "trigger_word": "@two words"}, 422),
        ({"name": "!!!"}, 422),  # no trigger can be made from it
        ({"name": ""}, 422),
        ({"name": "X", "image_asset_ids": ["nope"]}, 422),
        ({"name": "X", "unknown": 1}, 422),
    ],
)
def test_bad_element_input_is_a_clear_4xx_and_writes_nothing(client, project, body, status):
    before = counts(client)
    r = client.post(f"/projects/{project['id']}/elements", json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"]
    assert counts(client) == before


def test_reference_images_must_be_images_of_this_project(client, project, tmp_path):
    pid = project["id"]
    pid2 = client.post("/projects", json={"name": "B"}).json()["id"]
    foreign = upload(client, pid2)
    import numpy as np

    from milimo.media import encode_video

    clip = tmp_path / "c.mp4"
    encode_video(iter([np.zeros((64, 64, 3), np.uint8)] * 4), clip, fps=24, width=64, height=64)
    video = client.post("/upload", data={"project_id": pid}, files={"file": ("c.mp4", clip.read_bytes(), "video/mp4")}).json()
    before = counts(client)
    r = client.post(f"/projects/{pid}/elements", json={"name": "X", "image_asset_ids": [foreign["id"]]})
    assert r.status_code == 422 and "not an asset of this project" in r.json()["detail"]
    r = client.post(f"/projects/{pid}/elements", json={"name": "X", "image_asset_ids": [video["id"]]})
    assert r.status_code == 422 and "must be images" in r.json()["detail"]
    assert counts(client) == before


def test_delete_removes_it_from_shots_and_deletes_only_files_it_owns(client, project, settings):
    pid = project["id"]
    own, shared, gallery = (
        upload(client, pid, (1, 2, 3)),
        upload(client, pid, (4, 5, 6)),
        upload(client, pid, (7, 8, 9), kind="general"),
    )
    el = make(client, pid, name="Mara", image_asset_ids=[own["id"], shared["id"], gallery["id"]])
    make(client, pid, name="Twin", image_asset_ids=[shared["id"]])
    match = {"element_id": el["id"], "element_name": "Mara", "trigger_word": "@Mara"}
    saved = client.put(
        f"/projects/{pid}/save",
        json={"base_version": project["version"], "shots": [{"id": "s1", "matched_elements": [match]}, {"id": "s2"}]},
    ).json()
    assert client.delete(f"/elements/{el['id']}?base_version={saved['version'] - 1}").status_code == 409  # stale
    r = client.delete(f"/elements/{el['id']}?base_version={saved['version']}")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (
        out["deleted_assets"] == [own["id"]] and out["shots_changed"] == ["s1"] and out["project_version"] == saved["version"] + 1
    )
    state = client.get(f"/projects/{pid}").json()
    assert state["shots"][0].get("matched_elements", []) == [] and state["version"] == out["project_version"]
    root = settings.project_dir(pid)
    assert not (root / own["url"].split(f"/projects/{pid}/")[1]).exists()
    for kept in (shared, gallery):
        assert client.get(f"/assets/{kept['id']}").status_code == 200
        assert (root / kept["url"].split(f"/projects/{pid}/")[1]).exists()
    assert client.get(f"/elements/{el['id']}").status_code == 404
    assert client.delete(f"/elements/{el['id']}").status_code == 404


def test_delete_keeps_the_images_a_waiting_or_running_job_still_reads(client, project, settings):
    from milimo.db.models import Job

    pid = project["id"]
    busy, idle, done = upload(client, pid, (1, 2, 3)), upload(client, pid, (4, 5, 6)), upload(client, pid, (7, 8, 9))
    el = make(client, pid, name="Mara", image_asset_ids=[busy["id"], idle["id"], done["id"]])

    def jobs(session):  # a still being made with Mara's first image, and one that finished with her third
        session.add(
            Job(id="job_running", project_id=pid, type="image", status="processing", params={"reference_inputs": [busy["id"]]})
        )
        session.add(
            Job(id="job_finished", project_id=pid, type="image", status="completed", params={"reference_inputs": [done["id"]]})
        )

    client.app.state.studio.db.write(jobs)
    r = client.delete(f"/elements/{el['id']}")
    assert r.status_code == 200, r.text
    assert sorted(r.json()["deleted_assets"]) == sorted([idle["id"], done["id"]])
    root = settings.project_dir(pid)
    assert client.get(f"/assets/{busy['id']}").status_code == 200
    assert (root / busy["url"].split(f"/projects/{pid}/")[1]).exists()  # the running job can still read it
    assert not (root / idle["url"].split(f"/projects/{pid}/")[1]).exists()


def test_deleting_an_asset_unlinks_it_from_elements(client, project):
    pid = project["id"]
    a, b = upload(client, pid, (1, 1, 1)), upload(client, pid, (2, 2, 2))
    el = make(client, pid, name="Mara", image_asset_ids=[a["id"], b["id"]])
    r = client.delete(f"/assets/{a['id']}")
    assert r.status_code == 409 and r.json()["references"]["elements"] == [el["id"]]
    assert client.delete(f"/assets/{a['id']}?force=true").status_code == 200
    assert [i["asset_id"] for i in client.get(f"/elements/{el['id']}").json()["images"]] == [b["id"]]


def test_elements_of_a_deleted_project_go_with_it(client, project):
    pid = project["id"]
    make(client, pid, name="Mara", image_asset_ids=[upload(client, pid)["id"]])
    assert client.delete(f"/projects/{pid}").status_code in (200, 204)
    assert counts(client)["Element"] == 0 and counts(client)["ElementImage"] == 0
    assert client.get(f"/projects/{pid}/elements").status_code == 404
