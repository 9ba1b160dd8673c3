"""The supervisor starts the service as a child process, restarts it when it dies, and stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from milimo.sam_service.supervisor import SamSupervisor
from tests.conftest import free_port


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_supervisor_restarts_a_dead_service_and_stops_it(tmp_path):
    sup = SamSupervisor(
        tmp_path / "data", port=free_port(), env={"MILIMO_SEGMENT_ENGINE": "draft", "MILIMO_LOG_LEVEL": "warning"}, poll_s=0.1
    )
    try:
        assert sup.start() is True
        assert httpx.get(sup.url + "/health").json()["engine"] == "draft"
        first = sup.proc.pid
        os.kill(first, signal.SIGKILL)  # a crash: no shutdown hooks
        assert wait_for(lambda: sup.proc is not None and sup.proc.pid != first and sup.healthy())
        assert sup.restarts == 1
    finally:
        proc = sup.proc
        sup.stop()
    assert proc.poll() is not None  # the child is gone
    assert not sup.healthy()
    time.sleep(1.5)
    assert sup.proc is None and sup.restarts == 1  # nothing came back after stop()


def test_wait_healthy_is_false_when_the_child_cannot_start(tmp_path):
    port = free_port()
    with __import__("socket").socket() as taken:  # someone else holds the port: the child exits at once
        taken.bind(("127.0.0.1", port))
        taken.listen()
        sup = SamSupervisor(tmp_path / "data", port=port, env={"MILIMO_SEGMENT_ENGINE": "draft"}, health_timeout_s=20)
        try:
            t0 = time.monotonic()
            assert sup.start() is False
            assert time.monotonic() - t0 < 20
        finally:
            sup.stop()


def test_the_service_refuses_to_listen_beyond_loopback(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "milimo.cli",
            "sam-service",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "loopback" in r.stderr
