"""Bad input is a clear 4xx, never a 500, and never a stored value that breaks later loads."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import update

from milimo.db.models import Shot
from tests.state import state_shots


def _shot(client, project) -> str:
    r = client.put(
        f"/projects/{project['id']}/save", json={"base_version": project["version"], "shots": [{"id": "s1", "prompt": "x"}]}
    )
    assert r.status_code == 200, r.text
    return "s1"


def _raw(client, method: str, url: str, text: str):
    return client.request(method, url, content=text.encode(), headers={"content-type": "application/json"})


def test_patch_to_a_missing_scene_is_a_422_not_an_integrity_error(client, project):
    shot = _shot(client, project)
    r = client.patch(f"/shots/{shot}", json={"scene_id": "nope"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid" and "nope" in r.json()["detail"]
    # ... also when a take is set in the same patch (its lookup used to flush the bad key first)
    r = client.patch(f"/shots/{shot}", json={"scene_id": "nope", "media_asset_id": None, "prompt": "y"})
    assert r.status_code == 422, r.text
    assert state_shots(client.get(f"/projects/{project['id']}").json())[0]["prompt"] == "x"


def test_save_moving_a_shot_to_a_missing_scene_is_a_422(client, project):
    shot = _shot(client, project)
    r = client.put(
        f"/projects/{project['id']}/save",
        json={"base_version": 2, "shots": [{"id": shot, "scene_id": "nope", "media_asset_id": None}]},
    )
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("refs", [[""], ["", "x"]])
def test_an_empty_reference_image_is_a_422(client, project, refs):
    r = client.post("/generate/image", json={"project_id": project["id"], "prompt": "a lamp", "reference_images": refs})
    assert r.status_code == 422, r.text
    assert "reference_images.0" in r.json()["detail"]  # the request model names the empty entry


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_never_reach_a_json_column(client, project, number):
    shot = _shot(client, project)
    pid = project["id"]
    r = _raw(client, "PATCH", f"/shots/{shot}", f'{{"matched_elements": [{{"element_id": "e1", "confidence": {number}}}]}}')
    assert r.status_code == 422, r.text
    r = _raw(
        client,
        "PUT",
        f"/projects/{pid}/save",
        f'{{"base_version": 2, "shots": [{{"id": "{shot}", "timeline": [{{"asset_id": "a", "strength": {number}}}]}}]}}',
    )
    assert r.status_code == 422, r.text
    r = _raw(client, "PUT", f"/projects/{pid}/save", f'{{"base_version": 2, "project": {{"fps": {number}}}}}')
    assert r.status_code == 422, r.text
    assert client.get(f"/projects/{pid}").status_code == 200


def test_matched_elements_have_a_schema(client, project):
    shot = _shot(client, project)
    assert client.patch(f"/shots/{shot}", json={"matched_elements": [{"w": 1}]}).status_code == 422
    good = {"element_id": "e1", "element_name": "Mara", "trigger_word": "@mara", "confidence": 0.9}
    r = client.patch(f"/shots/{shot}", json={"matched_elements": [good]})
    assert r.status_code == 200, r.text
    assert r.json()["shot"]["matched_elements"][0]["element_name"] == "Mara"


def test_the_json_column_refuses_a_non_finite_number_from_any_code_path(client, project):
    """The last line: even a write that skipped the request models cannot store NaN."""
    shot = _shot(client, project)
    db = client.app.state.studio.db
    with pytest.raises(Exception, match="non-finite number at .*\\[0\\].w"):
        db.write(lambda s: s.execute(update(Shot).where(Shot.id == shot).values(matched_elements=[{"w": float("nan")}])))
    assert client.get(f"/projects/{project['id']}").status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("num_frames", "true"),
        ("num_frames", '"121"'),
        ("width", "true"),
        ("fps", "true"),
        ("seed", "false"),
        ("num_frames", "1.5"),
    ],
)
def test_numbers_are_strict(client, project, field, value):
    shot = _shot(client, project)
    r = _raw(client, "PATCH", f"/shots/{shot}", f'{{"{field}": {value}}}')
    assert r.status_code == 422, r.text
    body = f'{{"project_id": "{project["id"]}", "shot_config": {{"prompt": "x", "{field}": {value}}}}}'
    r = _raw(client, "POST", "/generate/advanced", body)
    assert r.status_code == 422, r.text


SESSION = "0123456789abcdef"
# Every request model with a number in it: (method, url, a body valid but for the number, the number's field, is it a float).
NUMBER_ROUTES = [
    ("POST", "/edit/inpaint", {"image": "a", "mask": "b"}, "steps", False),
    ("POST", "/edit/inpaint", {"image": "a", "mask": "b"}, "strength", True),
    ("POST", "/edit/segment", {"asset_id": "a", "points": [[1, 2]], "labels": [1]}, "mask_threshold", True),
    ("POST", "/edit/segment-text", {"asset_id": "a", "text": "the lamp"}, "confidence", True),
    ("POST", "/edit/detect", {"asset_id": "a", "text": "the lamp"}, "max_objects", False),
    ("POST", "/edit/track/prompt", {"session_id": SESSION, "points": [[1, 2]], "labels": [1]}, "frame_idx", False),
    ("POST", "/edit/track/prompt", {"session_id": SESSION, "points": [[1, 2]], "labels": [1]}, "obj_id", False),
    ("POST", "/edit/track/propagate", {"session_id": SESSION}, "max_frames", False),
    ("POST", "/assets/{asset}/frame", {}, "frame", False),
    ("POST", "/projects/{pid}/render", {}, "in_frame", False),
    ("POST", "/projects/{pid}/storyboard/shots", {"scene_id": "sc1"}, "position", False),
    ("POST", "/projects/{pid}/storyboard/commit", {"scenes": []}, "base_version", False),
    ("PATCH", "/projects/{pid}/storyboard/scenes/sc1", {"heading": "INT. NIGHT"}, "base_version", False),
]


@pytest.mark.parametrize(
    "method,url,body,field,is_float", NUMBER_ROUTES, ids=[f"{r[1].rsplit('/', 1)[-1]}.{r[3]}" for r in NUMBER_ROUTES]
)
def test_numbers_are_strict_on_every_request_model(client, project, method, url, body, field, is_float):
    """`true` is not 1, "4" is not 4, and NaN/Infinity are not numbers, on every route that takes one."""
    pid = project["id"]
    url = url.format(pid=pid, asset="a1")
    base = {"project_id": pid, **body} if not url.startswith("/projects/") else body
    bad = ["true", "false", '"4"'] + (["NaN", "Infinity", '"0.5"'] if is_float else ["1.0", "1.5"])
    for value in bad:
        text = orjson.dumps(base).decode()
        text = text[:-1] + ("," if base else "") + f'"{field}": {value}}}'
        r = _raw(client, method, url, text)
        assert r.status_code == 422, (value, r.text)
        locs = {tuple(e["loc"][1:2]) for e in r.json()["errors"]}
        assert locs == {(field,)}, (value, r.json()["errors"])  # the body is good but for the number
    good = 1 if field != "max_frames" else 5
    r = client.request(method, url, json={**base, field: good})
    assert r.status_code != 422 or field not in r.text, r.text


@pytest.mark.parametrize("fps", [0, -1, 1e9])
def test_absurd_fps_is_a_422(client, project, fps):
    shot = _shot(client, project)
    assert client.patch(f"/shots/{shot}", json={"fps": fps}).status_code == 422
    assert client.post("/projects", json={"fps": fps}).status_code == 422


def test_seed_minus_one_is_a_422_and_an_omitted_image_seed_is_random(client, project):
    shot = _shot(client, project)
    assert client.patch(f"/shots/{shot}", json={"seed": -1}).status_code == 422
    r = client.post("/generate/image", json={"project_id": project["id"], "prompt": "a lamp", "seed": -1})
    assert r.status_code == 422
    r = client.post("/generate/image", json={"project_id": project["id"], "prompt": "a lamp", "width": 256, "height": 256})
    assert r.status_code == 200, r.text
    job = client.get(f"/status/{r.json()['job_id']}").json()
    assert 0 <= job["params"]["seed"] < 2**32


def test_an_absurd_render_range_is_a_422(client, project):
    huge = 2**81  # fuzzed: it reached the cut's arithmetic and answered 500
    r = client.post(f"/projects/{project['id']}/render", json={"in_frame": huge, "out_frame": huge})
    assert r.status_code == 422, r.text
    assert {e["loc"][-1] for e in r.json()["errors"]} == {"in_frame", "out_frame"}
