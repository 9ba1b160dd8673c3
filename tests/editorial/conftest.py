"""A real studio with a real cut: draft-generated takes and uploads placed on V1, V2 and A1."""

from __future__ import annotations

import io
import time
import wave
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from milimo.app import create_app
from milimo.config import Settings

FPS = 24


@pytest.fixture(scope="module")
def studio(tmp_path_factory) -> Iterator[TestClient]:
    """One app per module (the same create_app as tests/conftest.py `client`), so takes are generated once."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("editorial") / "data",
        log_level="warning",
        video_engine="draft",
        image_engine="draft",
        text_engine="draft",
    )
    with TestClient(create_app(settings)) as c:
        c.settings = settings  # type: ignore[attr-defined]
        yield c


def wait_job(client: TestClient, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            assert job["status"] == "completed", job
            return job
        time.sleep(0.05)
    raise TimeoutError(job_id)


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 36), (30, 60, 200)).save(buf, "PNG")
    return buf.getvalue()


def wav_bytes(seconds: float = 5.0, rate: int = 16_000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    return buf.getvalue()


def upload(client: TestClient, pid: str, name: str, data: bytes, mime: str) -> dict:
    r = client.post("/upload", data={"project_id": pid}, files={"file": (name, data, mime)})
    assert r.status_code == 201, r.text
    return r.json()


def generate(client: TestClient, pid: str, shot_id: str, frames: int, **extra) -> None:
    r = client.post(
        "/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "id": shot_id,
                "prompt": extra.pop("prompt", f"Shot {shot_id} on the night pier"),
                "num_frames": frames,
                "width": 128,
                "height": 72,
                "fps": FPS,
                "enhance_prompt": False,
                **extra,
            },
        },
    )
    assert r.status_code == 200, r.text
    wait_job(client, r.json()["job_id"])


def build_cut(client: TestClient, name: str = "Night Shift") -> dict:
    """V1: a (25 frames, trimmed 2 in / 3 out), b (33, dialogue); V2: a still over b; A1: a 5 s tone.

    Returns the project state after the save that places everything.
    """
    pid = client.post("/projects", json={"name": name, "fps": FPS, "resolution_w": 128, "resolution_h": 72}).json()["id"]
    scene = {"id": f"{pid[:8]}-sc1", "name": "EXT. PIER - NIGHT"}
    generate(client, pid, f"{pid[:8]}-a", 25, seed=7, dialogue="Who's there?")
    generate(client, pid, f"{pid[:8]}-b", 33, seed=8, dialogue="Only the tide.\nGo home, Mara.")
    still = upload(client, pid, "card.png", png_bytes(), "image/png")
    tone = upload(client, pid, "tone.wav", wav_bytes(), "audio/wav")
    version = client.get(f"/projects/{pid}").json()["version"]
    shots = [
        {
            "id": f"{pid[:8]}-a",
            "scene_id": scene["id"],
            "index": 0,
            "track_index": 0,
            "start_frame": 0,
            "trim_in": 2,
            "trim_out": 3,
        },
        {"id": f"{pid[:8]}-b", "scene_id": scene["id"], "index": 1, "track_index": 0, "start_frame": 20},
        {
            "id": f"{pid[:8]}-card",
            "scene_id": scene["id"],
            "index": 2,
            "track_index": 1,
            "start_frame": 30,
            "num_frames": 12,
            "media_asset_id": still["id"],
            "prompt": "Title card",
        },
        {
            "id": f"{pid[:8]}-tone",
            "index": 0,
            "track_index": 2,
            "start_frame": 4,
            "num_frames": 120,
            "trim_in": 10,
            "trim_out": 20,
            "media_asset_id": tone["id"],
        },
    ]
    r = client.put(f"/projects/{pid}/save", json={"base_version": version, "scenes": [scene], "shots": shots})
    assert r.status_code == 200, r.text
    return client.get(f"/projects/{pid}").json()  # a save answers its version and what the server set, not the state
