"""The segmentation service as a real process on a real socket, with a data dir the studio would share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

STUDIO = {"x-milimo-client": "studio"}


class SamProcess:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MILIMO_LOG_LEVEL": "warning", **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> SamProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "milimo.cli", "sam-service", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sam-service exited: {self.proc.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("sam-service did not start in time")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=STUDIO, timeout=60)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


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
