"""Projects through the real server: a 2,000-shot project's load and one-shot edit, a trivial GET
while a whole-project save runs, and server memory while 100 MiB videos stream to 4 clients.

Anchors (issue 2): load p50 ≤ 25 ms, edit p50 ≤ 10 ms on this 2-core machine. The public
implementation measured here: 73 ms load, 215 ms per whole-project autosave, a trivial GET
going from 3 ms to 125 ms p50 during an autosave, +306 MiB per concurrent 100 MiB download.
"""

from __future__ import annotations

import threading
import time

import httpx
import psutil

from bench._common import median, percentile, record
from bench.server import BenchServer

SHOTS = 2000


def shot(i: int) -> dict:
    return {"id": f"shot-{i:05d}", "scene_id": f"scene-{i // 20:03d}", "prompt": f"Shot {i}: the keeper climbs the stairs " * 3,
            "start_frame": i * 121, "timeline": [{"asset_id": "a1", "frame_index": 0, "strength": 0.8}],
            "matched_elements": [{"element_id": "e1", "confidence": 0.9}], "action": "She climbs.", "dialogue": "Almost."}


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    with BenchServer() as server, httpx.Client(base_url=server.url, timeout=60) as http:
        pid = http.post("/projects", json={"name": "Bench"}).json()["id"]
        scenes = [{"id": f"scene-{i:03d}", "name": f"INT. ROOM {i}"} for i in range(SHOTS // 20)]
        t0 = time.perf_counter()
        state = http.put(f"/projects/{pid}/save", json={"base_version": 1, "scenes": scenes, "shots": [shot(i) for i in range(SHOTS)]}).json()
        full_save_ms = (time.perf_counter() - t0) * 1000
        assert len(state["shots"]) == SHOTS
        body_kb = len(http.get(f"/projects/{pid}").content) / 1024

        load = timed(lambda: http.get(f"/projects/{pid}").raise_for_status(), 60)
        counter = iter(range(10**9))
        edit = timed(lambda: http.patch(f"/shots/shot-{next(counter) % SHOTS:05d}", json={"prompt": "edited"}).raise_for_status(), 200)
        idle_get = timed(lambda: http.get("/health").raise_for_status(), 100)

        # A trivial GET while whole-project saves run back to back on another connection.
        version = http.get(f"/projects/{pid}").json()["version"]
        stop = threading.Event()

        def saver():
            nonlocal version
            with httpx.Client(base_url=server.url, timeout=60) as h2:
                while not stop.is_set():
                    r = h2.put(f"/projects/{pid}/save", json={"base_version": version, "shots": [shot(i) for i in range(SHOTS)]})
                    version = r.json()["version"]

        t = threading.Thread(target=saver)
        t.start()
        time.sleep(0.3)
        busy_get = timed(lambda: http.get("/health").raise_for_status(), 100)
        stop.set()
        t.join()

        # Memory while 4 clients stream a 100 MiB video at the same time.
        video = server.data_dir / "projects" / pid / "generated" / "big.mp4"
        with open(video, "wb") as f:
            for _ in range(100):
                f.write(b"\0" * (1024 * 1024))
        proc = psutil.Process(server.proc.pid)
        rss_before = proc.memory_info().rss
        peak = rss_before
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, proc.memory_info().rss)
                time.sleep(0.01)

        def download():
            with httpx.Client(base_url=server.url, timeout=120) as h3, h3.stream("GET", f"/projects/{pid}/generated/big.mp4") as r:
                for _ in r.iter_bytes(1024 * 1024):
                    time.sleep(0.001)  # a client slower than the disk

        sampler = threading.Thread(target=sample)
        sampler.start()
        downloads = [threading.Thread(target=download) for _ in range(4)]
        for d in downloads:
            d.start()
        for d in downloads:
            d.join()
        done.set()
        sampler.join()

    result = {
        "shots": SHOTS,
        "project_json_kb": round(body_kb),
        "load_p50_ms": round(median(load), 2), "load_p95_ms": round(percentile(load, 95), 2),
        "edit_p50_ms": round(median(edit), 2), "edit_p95_ms": round(percentile(edit, 95), 2),
        "full_save_ms": round(full_save_ms, 1),
        "get_idle_p50_ms": round(median(idle_get), 2),
        "get_during_saves_p50_ms": round(median(busy_get), 2), "get_during_saves_p99_ms": round(percentile(busy_get, 99), 2),
        "download_4x100MiB_rss_growth_mib": round((peak - rss_before) / 2**20, 1),
        "ratio_load_vs_target_25ms": round(median(load) / 25, 2),
        "ratio_edit_vs_target_10ms": round(median(edit) / 10, 2),
        "ratio_load_vs_reference_73ms": round(median(load) / 73, 2),
    }
    record("projects", result)


if __name__ == "__main__":
    main()
