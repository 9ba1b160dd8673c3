"""The Hugging Face token (stored 0600 in the data dir, never sent back, used by downloads) and the
takes listing (numbered, named by scene and shot, out-of-date marks) over real HTTP and SQLite."""

from __future__ import annotations

import stat
import time

import httpx
import pytest

from milimo.studio.hf_token import token_path
from tests.api.test_models import hub_env, needs_hub
from tests.engines.real import fakehub
from tests.sse import SSEClient
from tests.state import state_shots

TOKEN = "hf_TestTokenForGatedModels123"


def test_token_is_stored_with_mode_0600_and_never_returned(client, settings):
    assert client.get("/tokens").json() == {"huggingface": False}
    r = client.put("/tokens/huggingface", json={"token": f"  {TOKEN}\n"})
    assert r.status_code == 200 and r.json() == {"huggingface": True} and TOKEN not in r.text
    path = token_path(settings.data_dir)
    assert path.read_text() == TOKEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listing = client.get("/tokens")
    assert listing.json() == {"huggingface": True} and TOKEN not in listing.text
    assert TOKEN not in client.get("/models").text
    assert client.delete("/tokens/huggingface").json() == {"huggingface": False} and not path.exists()
    assert client.delete("/tokens/huggingface").json() == {"huggingface": False}


@pytest.mark.parametrize("bad", ["short", "has a space in it", "x" * 300, "tab\there-1234"])
def test_a_value_that_is_not_a_token_is_422_and_nothing_is_stored(client, settings, bad):
    r = client.put("/tokens/huggingface", json={"token": bad})
    assert r.status_code == 422, r.text
    assert not token_path(settings.data_dir).exists()
    assert client.put("/tokens/huggingface", json={"token": TOKEN, "other": 1}).status_code == 422


@pytest.mark.models
@needs_hub
def test_downloads_send_the_stored_token_to_the_hub(tmp_path, server_factory):
    url, hub = fakehub.serve(
        "Lightricks/LTX-2",
        {"latent_upsampler/config.json": b"{}", "latent_upsampler/diffusion_pytorch_model.safetensors": b"0" * 4096},
    )
    seen: list[str | None] = []
    handler = fakehub.HubHandler
    original = handler._serve

    def recording(self, body):  # the hub, not our code, records what arrived
        seen.append(self.headers.get("authorization"))
        return original(self, body)

    handler._serve = recording
    try:
        server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.put("/tokens/huggingface", json={"token": TOKEN}).status_code == 200
            sse = SSEClient(server.url)
            assert http.post("/models/ltx2-spatial-upscaler/download").status_code == 202
            done = sse.wait_for(lambda e: e.type in ("download_complete", "download_error"))
            sse.close()
            assert done.type == "download_complete", done.data
    finally:
        handler._serve = original
        hub.shutdown()
    assert f"Bearer {TOKEN}" in seen


def _wait(http: httpx.Client, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def test_takes_are_numbered_named_and_marked_out_of_date(tmp_path, server_factory):
    server = server_factory(
        tmp_path / "data", env={"MILIMO_VIDEO_ENGINE": "draft", "MILIMO_IMAGE_ENGINE": "draft", "MILIMO_TEXT_ENGINE": "draft"}
    )
    with httpx.Client(base_url=server.url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "Takes"}).json()["id"]
        shot = {"prompt": "a lighthouse at dusk", "seed": 7, "num_frames": 9, "width": 128, "height": 96, "enhance_prompt": False}
        first = http.post("/generate/advanced", json={"project_id": pid, "shot_config": shot}).json()
        sid = first["shot_id"]
        assert _wait(http, first["job_id"])["status"] == "completed"
        second = http.post("/generate/advanced", json={"project_id": pid, "shot_config": {**shot, "id": sid, "seed": 8}}).json()
        assert _wait(http, second["job_id"])["status"] == "completed"

        body = http.get(f"/projects/{pid}/takes").json()
        takes = [t for t in body["takes"] if t["shot_id"] == sid]
        assert [t["number"] for t in takes] == [1, 2]
        assert [t["label"] for t in takes] == ["Sh 1 · take 1", "Sh 1 · take 2"]
        assert [t["current"] for t in takes] == [False, True], "the newest take is what the shot shows"
        assert takes[0]["made_with"]["seed"] == 7 and takes[1]["made_with"]["seed"] == 8
        assert takes[0]["changed"] == ["seed"] and takes[1]["changed"] == []
        assert all(t["engine"] == "draft" and not t["upload"] and t["media_type"] == "video" for t in takes)

        state = http.get(f"/projects/{pid}").json()
        r = http.put(
            f"/projects/{pid}/save",
            json={"base_version": state["version"], "shots": [{"id": sid, "prompt": "a lighthouse in fog"}]},
        )
        assert r.status_code == 200, r.text
        again = http.get(f"/projects/{pid}/takes", params={"shot_id": sid}).json()["takes"]
        assert [t["changed"] for t in again] == [["prompt", "seed"], ["prompt"]]
        assert http.get("/projects/nope/takes").status_code == 404


def _png(color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="PNG")
    return buf.getvalue()


def _save_shot(http, pid: str, **fields) -> None:
    version = http.get(f"/projects/{pid}").json()["version"]
    r = http.put(f"/projects/{pid}/save", json={"base_version": version, "shots": [fields]})
    assert r.status_code == 200, r.text


def _changed_now(http, pid: str, sid: str) -> list[list[str]]:
    return [t["changed"] for t in http.get(f"/projects/{pid}/takes", params={"shot_id": sid}).json()["takes"]]


def test_a_take_is_out_of_date_when_the_shots_frames_or_conditioning_change(client, project):
    pid = project["id"]
    up = [
        client.post("/upload", data={"project_id": pid}, files={"file": (f"{n}.png", _png(c), "image/png")}).json()
        for n, c in (("dawn", (200, 90, 40)), ("dusk", (40, 60, 160)))
    ]
    cond = [{"asset_id": up[0]["id"], "frame_index": 0, "strength": 0.8, "type": "image"}]
    shot = {"id": "s1", "prompt": "the pier", "seed": 3, "num_frames": 9, "width": 128, "height": 96, "enhance_prompt": False}
    job = client.post("/generate/advanced", json={"project_id": pid, "shot_config": {**shot, "timeline": cond}}).json()
    assert _wait(client, job["job_id"])["status"] == "completed"
    assert _changed_now(client, pid, "s1") == [[]]

    _save_shot(client, pid, id="s1", num_frames=17)
    assert _changed_now(client, pid, "s1") == [["num_frames"]]
    _save_shot(client, pid, id="s1", num_frames=9)
    assert _changed_now(client, pid, "s1") == [[]], "back to what the take was made with"

    # Every part of a conditioning item counts: its media, its frame, its strength; and so does removing it.
    for item in (
        {**cond[0], "strength": 0.5},
        {**cond[0], "frame_index": 4},
        {**cond[0], "asset_id": up[1]["id"]},
        None,
    ):
        _save_shot(client, pid, id="s1", timeline=[item] if item else [])
        assert _changed_now(client, pid, "s1") == [["conditioning"]], item
    # The same item given by its media URL instead of its id is the same conditioning.
    _save_shot(client, pid, id="s1", timeline=[{"url": up[0]["url"], "frame_index": 0, "strength": 0.8, "type": "image"}])
    assert _changed_now(client, pid, "s1") == [[]]

    # A still fits any length: a 1-frame take is not dated by the shot's frames.
    still = client.post(
        "/generate/advanced", json={"project_id": pid, "shot_config": {**shot, "id": "s2", "num_frames": 1}}
    ).json()
    assert _wait(client, still["job_id"])["status"] == "completed"
    _save_shot(client, pid, id="s2", num_frames=120)
    assert _changed_now(client, pid, "s2") == [[]]
    _save_shot(client, pid, id="s2", seed=4)
    assert _changed_now(client, pid, "s2") == [["seed"]]


def test_an_upload_keeps_its_name_and_is_listed_as_the_take_of_the_shot_showing_it(client, project):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 90, 40)).save(buf, format="PNG")
    r = client.post(
        "/upload", data={"project_id": project["id"]}, files={"file": ("Harbour at dusk.png", buf.getvalue(), "image/png")}
    )
    assert r.status_code == 201, r.text
    asset = r.json()
    assert asset["filename"] == "Harbour at dusk.png"
    r = client.put(
        f"/projects/{project['id']}/save",
        json={"base_version": project["version"], "shots": [{"id": "s1", "media_asset_id": asset["id"]}]},
    )
    assert r.status_code == 200, r.text
    [take] = client.get(f"/projects/{project['id']}/takes").json()["takes"]
    assert (take["label"], take["upload"], take["current"], take["number"], take["made_with"], take["changed"]) == (
        "Harbour at dusk.png",
        True,
        True,
        None,
        None,
        [],
    )


def test_choosing_another_take_brings_its_own_enhanced_prompt_not_the_previous_ones(client, project, settings):
    import io

    from PIL import Image

    from milimo.db.database import Database
    from milimo.db.models import Shot

    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, format="PNG")
    upload = client.post(
        "/upload", data={"project_id": project["id"]}, files={"file": ("still.png", buf.getvalue(), "image/png")}
    ).json()
    r = client.put(
        f"/projects/{project['id']}/save", json={"base_version": project["version"], "shots": [{"id": "s1", "prompt": "x"}]}
    )
    db = Database(settings.db_url)
    db.write(lambda session: setattr(session.get(Shot, "s1"), "enhanced_prompt", "the previous take's long prompt"))
    db.close()
    r = client.put(
        f"/projects/{project['id']}/save",
        json={"base_version": r.json()["version"], "shots": [{"id": "s1", "media_asset_id": upload["id"]}]},
    )
    assert r.status_code == 200
    shot = state_shots(client.get(f"/projects/{project['id']}").json())[0]
    assert shot.get("enhanced_prompt") is None  # cleared (the state leaves an empty field out)
