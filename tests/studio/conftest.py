"""Fixtures of the studio tests that talk to media: a data dir per module, the segmentation service
(draft engine) as a real process on it, and the studio app beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from tests.sam_service.conftest import SamProcess


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, request) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "data"


@pytest.fixture(scope="module")
def sam(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    p = SamProcess(data_dir, {"MILIMO_SEGMENT_ENGINE": "draft"}).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def studio(data_dir: Path, sam: SamProcess):
    """The studio app on the same data dir as the segmentation service (a module may override it)."""
    settings = Settings(data_dir=data_dir, log_level="warning", sam_url=sam.url)
    with TestClient(create_app(settings)) as c:
        yield c


def upload(client, pid: str, data: bytes, name: str) -> dict:
    r = client.post("/upload", data={"project_id": pid}, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()
