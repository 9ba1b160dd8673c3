"""`make run` starts the segmentation service beside the studio (seed §3): with MILIMO_SAM_AUTOSTART
the studio runs `milimo sam-service` as a child it supervises, and stopping the studio stops it."""

from __future__ import annotations

import time

import httpx
import psutil

from tests.conftest import free_port


def test_the_studio_starts_and_stops_its_segmentation_service(server_factory, tmp_path):
    sam_port = free_port()
    server = server_factory(
        env={"MILIMO_SAM_AUTOSTART": "1", "MILIMO_SAM_PORT": str(sam_port), "MILIMO_SAM_URL": f"http://127.0.0.1:{sam_port}"}
    )
    state = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = httpx.get(server.url + "/edit/sam/status", timeout=5).json()["state"]
        if state != "down":
            break
        time.sleep(0.3)
    assert state == "draft"  # no SAM 3 weights here: the OpenCV engine answers
    children = [p for p in psutil.Process(server.proc.pid).children(recursive=True) if "sam-service" in " ".join(p.cmdline())]
    assert len(children) == 1
    server.stop()
    children[0].wait(timeout=15)  # gone with the studio, not left behind
    assert not children[0].is_running()
