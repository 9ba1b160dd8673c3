"""SSE under load: 200 connected clients, 50 events/s for 10 s, published from a worker thread.

Measures delivery latency (publish -> client parsed it) p50/p99, events lost per client, and
a trivial GET's latency p99 meanwhile; then the GET latency while a real draft job runs.
Anchors (issue 3): p99 ≤ 50 ms, no event lost, trivial GET p99 ≤ 20 ms. The public
implementation, measured at this load: p99 4.3 s and 183 of 500 events lost per client.
The server runs in this process (as `milimo serve` does, uvicorn + the app); the clients run
in a child process so their parsing does not compete with the server for the GIL.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import socket
import tempfile
import threading
import time

import httpx
import uvicorn

from bench._common import percentile, record

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
        await asyncio.sleep(1)  # the server has registered every stream
        ready.set()
        await asyncio.wait(tasks, timeout=SECONDS + 20)
        stop.set()
        await probe
        out.put({"results": results, "get": get_lat})

    asyncio.run(main())


def main() -> None:
    from milimo.app import create_app
    from milimo.config import Settings

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
    t0 = time.perf_counter()
    for seq in range(n_events):  # a worker thread publishing, as jobs do
        target = t0 + seq / RATE
        time.sleep(max(0.0, target - time.perf_counter()))
        bus.publish("progress", {"job_id": "bench", "seq": seq, "progress": seq / n_events * 100})
    data = out.get(timeout=120)
    child.join(30)

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
        http.post("/generate/advanced", json={"project_id": pid, "shot_config": {
            "prompt": "bench", "num_frames": 505, "width": 768, "height": 512, "enhance_prompt": False}})
        time.sleep(0.5)
        during_job = []
        for _ in range(100):
            t = time.perf_counter()
            http.get("/health")
            during_job.append((time.perf_counter() - t) * 1000)
            time.sleep(0.02)
    server.should_exit = True
    app.state.studio.bus.close()
    record("sse", {
        "clients": CLIENTS, "events_per_s": RATE, "seconds": SECONDS,
        "delivery_p50_ms": round(percentile(latencies, 50), 2), "delivery_p99_ms": round(percentile(latencies, 99), 2),
        "delivery_p99_ms_per_second": p99_per_second,
        "events_lost_max_per_client": max(lost), "events_lost_total": sum(lost),
        "get_p99_ms_during_sse": round(percentile(data["get"], 99), 2),
        "get_p99_ms_during_job": round(percentile(during_job, 99), 2),
        "ratio_delivery_p99_vs_target_50ms": round(percentile(latencies, 99) / 50, 3),
        "ratio_get_p99_vs_target_20ms": round(percentile(during_job, 99) / 20, 3),
    })


if __name__ == "__main__":
    main()
