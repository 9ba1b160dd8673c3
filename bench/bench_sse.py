"""SSE under load: 200 connected clients, 50 events/s for 10 s, published from a worker thread.

Measures delivery latency (publish -> client parsed it) p50/p99, events lost per client, and
a trivial GET's latency p99 meanwhile; then the GET latency while a real draft job runs.
Targets (issues 3 and 18): p99 ≤ 50 ms over the whole run including the first second, no
event lost, trivial GET p99 ≤ 20 ms. (No implementation is the anchor here: the public one's
SSE library is not installed in this environment, so it is not run and no figure of it is quoted.)
The server runs in this process (as `milimo serve` does, uvicorn + the app); the clients run
in a child process so their parsing does not compete with the server for the GIL.

The first-second stall (p99 120-185 ms in second 0, 9-14 ms after) was the clients' process:
connecting 200 clients leaves ~140k long-lived objects, and the full (generation 2) garbage
collection they trigger landed at the start of the measurement, stalling every client's reads.
The clients now collect and freeze their heap once connected, before the measurement starts.
Full collections in both processes during the measurement are counted in the row, so a pause
on the server's side would show as such.
"""

from __future__ import annotations

import asyncio
import gc
import json
import multiprocessing as mp
import socket
import tempfile
import threading
import time

import httpx
import uvicorn

from bench._common import machine_load, percentile, record

CLIENTS, RATE, SECONDS = 200, 50, 10


def clients_main(url: str, n_events: int, ready: mp.Event, out: mp.Queue) -> None:
    host, port = url.rsplit("/", 1)[1].split(":")

    async def client(received: list, connected: list) -> None:
        # A raw HTTP/1.1 SSE reader: the point is to measure the server, not a client library.
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        connected.append(1)
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: ") and b'"bench"' in line:
                d = json.loads(line[6:])
                received.append((d["seq"], time.time() - d["ts"]))
                if d["seq"] == n_events - 1:
                    writer.close()
                    return

    async def prober(latencies: list, stop: asyncio.Event, warm: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            await http.get("/health")  # connect and warm up before measuring (it shares the clients' loop)
            warm.set()
            while not stop.is_set():
                t0 = time.perf_counter()
                await http.get("/health")
                latencies.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.05)

    async def main() -> None:
        results, connected = [[] for _ in range(CLIENTS)], []
        tasks = [asyncio.create_task(client(r, connected)) for r in results]
        while len(connected) < CLIENTS:
            await asyncio.sleep(0.05)
        stop, warm, get_lat = asyncio.Event(), asyncio.Event(), []
        probe = asyncio.create_task(prober(get_lat, stop, warm))
        await warm.wait()
        # The harness's own long-lived objects must not cost a full collection mid-measurement.
        gc.collect()
        gc.freeze()
        await asyncio.sleep(1)  # the server has registered every stream
        pauses = FullCollections()
        ready.set()
        await asyncio.wait(tasks, timeout=SECONDS + 20)
        stop.set()
        await probe
        out.put({"results": results, "get": get_lat, "gc_gen2_ms": pauses.done()})

    asyncio.run(main())


class FullCollections:
    """Times every generation-2 collection of this process from now until done()."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.pauses.append(round((time.perf_counter() - self._t0) * 1000, 1))

    def done(self) -> list[float]:
        gc.callbacks.remove(self._callback)
        return self.pauses


def main() -> None:
    from milimo.app import create_app
    from milimo.config import Settings

    load_before = machine_load()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.TemporaryDirectory()
    app = create_app(Settings(data_dir=tmp.name, log_level="warning", sse_keepalive_s=5))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    while not server.started:
        time.sleep(0.05)

    n_events = RATE * SECONDS
    ready, out = mp.Event(), mp.Queue()
    child = mp.Process(target=clients_main, args=(url, n_events, ready, out))
    child.start()
    ready.wait(60)
    bus = app.state.studio.bus
    server_pauses = FullCollections()
    t0 = time.perf_counter()
    for seq in range(n_events):  # a worker thread publishing, as jobs do
        target = t0 + seq / RATE
        time.sleep(max(0.0, target - time.perf_counter()))
        bus.publish("progress", {"job_id": "bench", "seq": seq, "progress": seq / n_events * 100})
    data = out.get(timeout=120)
    child.join(30)
    server_gc = server_pauses.done()

    latencies = [lat * 1000 for r in data["results"] for _, lat in r]
    by_second = {}
    for r in data["results"]:
        for seq, lat in r:
            by_second.setdefault(seq // RATE, []).append(lat * 1000)
    p99_per_second = [round(percentile(v, 99), 1) for _, v in sorted(by_second.items())]
    lost = [n_events - len({seq for seq, _ in r}) for r in data["results"]]

    # A trivial GET while a real draft job runs in the same server.
    with httpx.Client(base_url=url, timeout=30) as http:
        pid = http.post("/projects", json={"name": "bench"}).json()["id"]
        http.post(
            "/generate/advanced",
            json={
                "project_id": pid,
                "shot_config": {"prompt": "bench", "num_frames": 505, "width": 768, "height": 512, "enhance_prompt": False},
            },
        )
        time.sleep(0.5)
        during_job = []
        for _ in range(100):
            t = time.perf_counter()
            http.get("/health")
            during_job.append((time.perf_counter() - t) * 1000)
            time.sleep(0.02)
    server.should_exit = True
    app.state.studio.bus.close()
    record(
        "sse",
        load_before=load_before,
        result={
            "clients": CLIENTS,
            "events_per_s": RATE,
            "seconds": SECONDS,
            "delivery_p50_ms": round(percentile(latencies, 50), 2),
            "delivery_p99_ms": round(percentile(latencies, 99), 2),
            "delivery_p99_ms_per_second": p99_per_second,
            "events_lost_max_per_client": max(lost),
            "events_lost_total": sum(lost),
            "get_p99_ms_during_sse": round(percentile(data["get"], 99), 2),
            "get_p99_ms_during_job": round(percentile(during_job, 99), 2),
            "gc_gen2_pauses_ms": {"server": server_gc, "clients": data["gc_gen2_ms"]},
            "ratio_delivery_p99_vs_target_50ms": round(percentile(latencies, 99) / 50, 3),
            "ratio_get_p99_vs_target_20ms": round(percentile(during_job, 99) / 20, 3),
        },
    )


if __name__ == "__main__":
    main()
