"""Projects API: create, list, load, delete, and bad input."""

from __future__ import annotations

from milimo.studio.schemas import ProjectState


def test_create_project_makes_folders_and_returns_state(client, settings):
    r = client.post("/projects", json={"name": "Night Shift", "resolution_w": 1024, "resolution_h": 576, "fps": 25, "seed": 7})
    assert r.status_code == 201
    state = ProjectState.model_validate(r.json())
    assert (state.name, state.resolution_w, state.resolution_h, state.fps, state.seed, state.version) == (
        "Night Shift",
        1024,
        576,
        25.0,
        7,
        1,
    )
    folder = settings.project_dir(state.id)
    for sub in ("generated", "thumbnails", "assets/uploads", "assets/elements", "renders"):
        assert (folder / sub).is_dir()


def test_list_projects_is_paginated_newest_first(client):
    ids = [client.post("/projects", json={"name": f"P{i}"}).json()["id"] for i in range(5)]
    page = client.get("/projects", params={"limit": 2}).json()
    assert page["total"] == 5 and page["limit"] == 2
    assert [p["id"] for p in page["items"]] == ids[::-1][:2]
    rest = client.get("/projects", params={"offset": 2, "limit": 10}).json()["items"]
    assert [p["id"] for p in rest] == ids[::-1][2:]


def test_get_unknown_project_is_404_with_a_message(client):
    r = client.get("/projects/doesnotexist")
    assert r.status_code == 404
    assert "does not exist" in r.json()["detail"]


def test_delete_project_removes_rows_and_folder(client, settings, project):
    pid = project["id"]
    client.put(
        f"/projects/{pid}/save",
        json={"base_version": 1, "scenes": [{"id": "sc1", "name": "INT. LAB"}], "shots": [{"id": "s1", "scene_id": "sc1"}]},
    )
    assert client.delete(f"/projects/{pid}").json() == {"status": "deleted", "id": pid}
    assert client.get(f"/projects/{pid}").status_code == 404
    assert not settings.project_dir(pid).exists()
    assert client.patch("/shots/s1", json={"prompt": "x"}).status_code == 404
    assert client.delete(f"/projects/{pid}").status_code == 404


def test_bad_project_input_gets_422_that_names_the_field(client):
    cases = [
        ({"name": ""}, "name"),
        ({"name": "x", "resolution_w": -5}, "resolution_w"),
        ({"name": "x", "resolution_h": 100000}, "resolution_h"),
        ({"name": "x", "fps": "fast"}, "fps"),
        ({"name": "x", "seed": -1}, "seed"),
        ({"name": "x", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        r = client.post("/projects", json=body)
        assert r.status_code == 422, body
        assert field in r.json()["detail"], r.json()
    assert client.post("/projects", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    assert client.get("/projects", params={"limit": 0}).status_code == 422
    assert client.get("/projects", params={"limit": "many"}).status_code == 422
    assert client.get("/projects/..%2F..%2Fetc").status_code in (404, 422)


def test_health_reports_version_data_dir_and_database(client, settings):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] == "sqlite" and body["data_dir"] == str(settings.data_dir)
    assert client.get("/docs").status_code == 200
    assert "/projects/{project_id}/save" in client.get("/openapi.json").json()["paths"]
