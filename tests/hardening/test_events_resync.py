"""A stale Last-Event-ID (an earlier boot, or older than the replay buffer) once spun the event loop
forever: /health never answered again. It must get one `resync`, the cursor moves to now, and the
server keeps answering."""

from __future__ import annotations

import asyncio
import time

import httpx

from milimo.jobs.events import EventBus
from tests.sse import SSEClient


def test_an_id_from_an_earlier_boot_gets_a_resync_and_the_server_keeps_answering(server_factory, tmp_path):
    server = server_factory(tmp_path / "data")
    stale = SSEClient(server.url, last_event_id=1)  # what a tab left open across a restart sends
    try:
        resync = stale.wait_for(lambda e: e.type == "resync", timeout=10)
        assert resync.id is not None and resync.id > 1, "the resync moves the client's Last-Event-ID to now"
        with httpx.Client(base_url=server.url, timeout=5) as http:
            for _ in range(20):
                started = time.monotonic()
                assert http.get("/health").status_code == 200
                assert time.monotonic() - started < 1.0
            # The stale client is live from now on: it sees a new event, and the resync only once.
            pid = http.post("/projects", json={"name": "After restart"}).json()["id"]
            job = http.post("/generate/image", json={"project_id": pid, "prompt": "a lamp", "width": 256, "height": 256}).json()
        stale.wait_for(lambda e: e.data.get("job_id") == job["job_id"] and e.type in ("complete", "error"), timeout=60)
        assert [e.type for e in stale.events].count("resync") == 1
    finally:
        stale.close()


def test_a_client_behind_the_buffer_resyncs_to_now_and_then_gets_live_events():
    async def scenario() -> tuple[list[bytes], int]:
        bus = EventBus(buffer_size=16)
        bus.attach_loop(asyncio.get_running_loop())
        first = bus.publish("log", {"message": "first"}).id
        for n in range(40):  # the buffer now starts far after `first`
            bus.publish("log", {"message": str(n)})
        stream = bus.stream(first, keepalive_s=5)
        frames = [await anext(stream), await asyncio.wait_for(anext(stream), 2)]
        live = bus.publish("log", {"message": "live"})
        frames.append(await asyncio.wait_for(anext(stream), 2))
        await stream.aclose()
        return frames, live.id

    frames, live_id = asyncio.run(scenario())
    assert frames[0].startswith(b"retry:")
    assert b"event: resync" in frames[1] and b"id: " in frames[1]
    assert frames[2].startswith(b"id: %d\nevent: log" % live_id), "only the live event follows, not the old buffer"


def test_an_id_from_the_future_resyncs_instead_of_waiting_forever():
    async def scenario() -> bytes:
        bus = EventBus(buffer_size=16)
        bus.attach_loop(asyncio.get_running_loop())
        bus.publish("log", {"message": "x"})
        stream = bus.stream(bus.last_id + 10_000, keepalive_s=5)
        await anext(stream)
        frame = await asyncio.wait_for(anext(stream), 2)
        await stream.aclose()
        return frame

    assert b"event: resync" in asyncio.run(scenario())
