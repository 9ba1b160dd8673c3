"""Fixtures that build real things: a data dir, the app with its lifespan, a server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Starlette's TestClient calls itself "testserver"; servers in subprocesses are reached as 127.0.0.1.
os.environ.setdefault("MILIMO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", log_level="warning")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def project(client: TestClient) -> dict:
    r = client.post("/projects", json={"name": "Night Shift"})
    assert r.status_code == 201, r.text
    return r.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`milimo serve` (or another server command: `command`) in a real subprocess, talked to over a socket."""

    command = "serve"
    name = "server"  # in the errors start() raises
    start_timeout = 30.0  # seconds

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MILIMO_LOG_LEVEL": "warning", **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float | None = None) -> Self:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "milimo.cli", self.command, "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.proc.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start in time")

    def kill(self) -> None:
        """SIGKILL: the crash case (no shutdown hooks run)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_factory(tmp_path: Path):
    servers: list[ServerProcess] = []

    def make(data_dir: Path | None = None, env: dict[str, str] | None = None) -> ServerProcess:
        s = ServerProcess(data_dir or tmp_path / "data", env)
        servers.append(s)
        return s.start()

    yield make
    for s in servers:
        s.stop()
