"""The segmentation service as a real process on a real socket, with a data dir the studio would share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ServerProcess

STUDIO = {"x-milimo-client": "studio"}


class SamProcess(ServerProcess):
    """`milimo sam-service` in a real subprocess."""

    command = "sam-service"
    name = "sam-service"
    start_timeout = 60.0

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=STUDIO, timeout=60)


@pytest.fixture(scope="module")
def sam_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("samdata")
    (d / "projects").mkdir()
    return d


@pytest.fixture(scope="module")
def sam(sam_data_dir: Path) -> Iterator[SamProcess]:
    """A draft-engine service (no SAM 3 weights in its data dir)."""
    p = SamProcess(
        sam_data_dir, {"MILIMO_SEGMENT_ENGINE": "draft", "MILIMO_SAM_MAX_SESSIONS": "2", "MILIMO_SAM_MAX_IMAGE_PIXELS": "4000000"}
    ).start()
    yield p
    p.stop()


@pytest.fixture
def http(sam: SamProcess) -> Iterator[httpx.Client]:
    with sam.client() as c:
        yield c
