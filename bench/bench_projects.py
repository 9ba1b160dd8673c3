"""Projects through real servers, ours and (when configured) the public implementation's,
interleaved in one run: a 2,000-shot project's load, a whole-project save, a one-shot edit, a
trivial GET while another client saves back to back, and downloads of a 100 MiB video (one
client's throughput, and server memory while 4 clients stream at once).

Like for like: both servers hold the same 2,000 shots. A whole-project save sends every shot
to both (theirs: PUT /projects/{id}, the only save it has; ours: PUT /projects/{id}/save with
every shot). A one-shot edit is what each client sends after one change: ours a PATCH, theirs
its whole-project autosave. The trivial GET is /health on ours and /settings/llm on theirs
(a constant dict; it has no health route). Rounds alternate which server goes first.

Targets (issue 18, ours ÷ theirs, same run): load ≤ 0.25, whole-project save ≤ 0.5, trivial
GET p99 during saves ≤ 20 ms, download throughput ≥ 1.5× theirs with ≤ +10 MiB RSS at 4
concurrent. Issue 2's absolute anchors: load p50 ≤ 25 ms, edit p50 ≤ 10 ms.

    MILIMO_BENCH_REFERENCE_REPO=/path/to/milimovideo python -m bench projects
    python -m bench.bench_projects --phases load,busy_get --rounds 5   # some phases only

A run of some phases only records a row with just those figures (and says which phases ran).
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import psutil

from bench._common import machine_load, median, percentile, ratio, record
from bench.reference import NOT_RUN, ReferenceServer
from bench.server import BenchServer

SHOTS, ROUNDS, VIDEO_MIB = 2000, 3, 100
PHASES = ("load", "save", "edit", "busy_get", "download")


def shot(i: int, prompt: str = "") -> dict:
    return {
        "id": f"shot-{i:05d}",
        "scene_id": f"scene-{i // 20:03d}",
        "prompt": prompt or f"Shot {i}: the keeper climbs the stairs " * 3,
        "start_frame": i * 121,
        "timeline": [{"asset_id": "a1", "frame_index": 0, "strength": 0.8}],
        "matched_elements": [{"element_id": "e1", "confidence": 0.9}],
        "action": "She climbs.",
        "dialogue": "Almost.",
    }


SCENES = [{"id": f"scene-{i:03d}", "name": f"INT. ROOM {i}", "index": i} for i in range(SHOTS // 20)]


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


class Ours:
    name = "ours"
    trivial = "/health"

    def __init__(self, server: BenchServer) -> None:
        self.server, self.http = server, httpx.Client(base_url=server.url, timeout=120)
        self.pid = self.http.post("/projects", json={"name": "Bench"}).json()["id"]
        self.version = self.http.get(f"/projects/{self.pid}").json()["version"]
        self.save_all(SCENES)
        self.edits = 0

    def save_all(self, scenes: list | None = None, client: httpx.Client | None = None, n: int = 0) -> None:
        shots = [shot(i, f"take {n}: shot {i}" if i == n % SHOTS else "") for i in range(SHOTS)]
        r = (client or self.http).put(
            f"/projects/{self.pid}/save", json={"base_version": self.version, "scenes": scenes or [], "shots": shots}
        )
        r.raise_for_status()
        self.version = r.json()["version"]

    def load(self) -> None:
        self.http.get(f"/projects/{self.pid}").raise_for_status()

    def edit(self) -> None:
        self.edits += 1
        r = self.http.patch(f"/shots/shot-{self.edits % SHOTS:05d}", json={"prompt": f"edited {self.edits}"})
        r.raise_for_status()
        self.version = r.json()["project_version"]  # the next save is based on it

    def video_path(self):
        return self.server.data_dir / "projects" / self.pid / "generated" / "big.mp4"

    def saver_state(self) -> dict:
        return {"pid": self.pid, "version": self.version}

    def after_saves(self) -> None:
        self.version = self.http.get(f"/projects/{self.pid}").json()["version"]  # the other client's saves moved it


class Theirs:
    name = "theirs"
    trivial = "/settings/llm"

    def __init__(self, server: ReferenceServer) -> None:
        self.server, self.http = server, httpx.Client(base_url=server.url, timeout=120)
        self.pid = self.http.post("/projects", json={"name": "Bench"}).json()["id"]
        self.meta = {k: v for k, v in self.http.get(f"/projects/{self.pid}").json().items() if k not in ("shots", "scenes")}
        self.save_all()
        self.edits = 0

    def save_all(self, scenes=None, client: httpx.Client | None = None, n: int = 0) -> None:
        shots = [shot(i, f"take {n}: shot {i}" if i == n % SHOTS else "") for i in range(SHOTS)]
        (client or self.http).put(
            f"/projects/{self.pid}", json={**self.meta, "scenes": SCENES, "shots": shots}
        ).raise_for_status()

    def load(self) -> None:
        self.http.get(f"/projects/{self.pid}").raise_for_status()

    def edit(self) -> None:
        self.edits += 1  # its client autosaves the whole project after any change
        self.save_all(n=self.edits)

    def video_path(self):
        return self.server.backend / "projects" / self.pid / "generated" / "big.mp4"

    def saver_state(self) -> dict:
        return {"pid": self.pid, "meta": self.meta}

    def after_saves(self) -> None:
        pass


def _save_back_to_back(side_cls, url: str, state: dict, started, stop) -> None:
    """The other client (its own process): whole-project saves, back to back, until told to stop."""
    side = side_cls.__new__(side_cls)
    side.__dict__.update(state)
    with httpx.Client(base_url=url, timeout=120) as side.http:
        started.set()
        n = 10_000
        while not stop.is_set():
            n += 1
            side.save_all(n=n)


def gets_during_saves(side, url: str) -> list[float]:
    """Trivial GETs while another client saves back to back.

    The saver is another process, as another client is: in a thread of this one, its JSON
    encoding of each 0.7 MB body (one ~10 ms C call holding this process's GIL) and its parse
    of each answer delayed the GETs measured here, which counted the client's wait as the
    server's."""
    ctx = multiprocessing.get_context("spawn")
    started, stop = ctx.Event(), ctx.Event()
    saver = ctx.Process(target=_save_back_to_back, args=(type(side), url, side.saver_state(), started, stop))
    saver.start()
    if not started.wait(60):
        saver.terminate()
        raise RuntimeError("the saving client did not start")
    time.sleep(0.3)
    out = []
    try:
        for _ in range(60):
            t0 = time.perf_counter()
            side.http.get(side.trivial).raise_for_status()
            out.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    finally:
        stop.set()
        saver.join(120)
        side.after_saves()
    if saver.exitcode != 0:
        raise RuntimeError(f"the saving client failed (exit code {saver.exitcode}): the GETs were not measured during saves")
    return out


def download_mib_s(url: str) -> float:
    """One client reading as fast as it can: a plain HTTP/1.1 GET over a socket, read 4 MiB at a
    time into one buffer, so the figure is the server's (httpx reads 64 KiB at a time and parses
    as it goes, which capped both servers at the client's speed). The same client reads both."""
    u = urlsplit(url)
    buf = memoryview(bytearray(4 << 20))
    with socket.create_connection((u.hostname, u.port), timeout=120) as sock:
        t0 = time.perf_counter()
        sock.sendall(f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nConnection: close\r\n\r\n".encode())
        head, n = b"", 0
        while b"\r\n\r\n" not in head:  # the status line and headers; what follows is body
            k = sock.recv_into(buf)
            assert k, "the server closed the connection before its headers"
            head += bytes(buf[:k])
        status, rest = head.split(b"\r\n", 1)[0], head.split(b"\r\n\r\n", 1)[1]
        assert b" 200 " in status, status
        n = len(rest)
        while k := sock.recv_into(buf):
            n += k
        elapsed = time.perf_counter() - t0
    assert n == VIDEO_MIB << 20, n
    return n / 2**20 / elapsed


def rss_growth_mib(pid: int, url: str, clients: int = 4) -> float:
    """Server RSS growth while `clients` slower-than-disk clients stream the video at once."""
    proc = psutil.Process(pid)
    before = peak = proc.memory_info().rss
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.01)

    def download():
        with httpx.Client(timeout=120) as h, h.stream("GET", url) as r:
            for _ in r.iter_raw(1 << 20):
                time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=download) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    sampler.join()
    return (peak - before) / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]
    if unknown := set(phases) - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    load_before = machine_load()
    ref = ReferenceServer.maybe()
    m: dict[str, dict[str, list[float]]] = {}
    try:
        with BenchServer() as server:
            sides = [Ours(server)] + ([Theirs(ref)] if ref else [])
            for side in sides:
                if "download" in phases:
                    path = side.video_path()
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with open(path, "wb") as f:
                        for i in range(VIDEO_MIB):
                            f.write(bytes([i % 251]) * (1 << 20))
                m[side.name] = {k: [] for k in ("load", "save", "edit", "busy_get", "dl_mib_s", "rss4_mib")}
                m[side.name]["body_kib"] = [len(side.http.get(f"/projects/{side.pid}").content) / 1024]
            pids = {"ours": server.proc.pid, **({"theirs": ref.proc.pid} if ref else {})}
            for r in range(args.rounds):
                for side in sides if r % 2 == 0 else sides[::-1]:
                    s, url = m[side.name], f"{side.server.url}/projects/{side.pid}/generated/big.mp4"
                    if "load" in phases:
                        s["load"] += timed(side.load, 20)
                    if "save" in phases:
                        s["save"] += timed(lambda side=side, r=r: side.save_all(n=r), 4)
                    if "edit" in phases:
                        s["edit"] += timed(side.edit, 30 if side.name == "ours" else 4)
                    if "busy_get" in phases:
                        s["busy_get"] += gets_during_saves(side, side.server.url)
                    if "download" in phases:
                        s["dl_mib_s"].append(download_mib_s(url))
                        s["rss4_mib"].append(rss_growth_mib(pids[side.name], url))
            idle = timed(lambda: sides[0].http.get("/health").raise_for_status(), 100)
            identity = ref.identity() if ref else {}
    finally:
        if ref:
            ref.close()

    def med(values: list[float], digits: int) -> float | None:
        return round(median(values), digits) if values else None

    def pct(values: list[float], p: float) -> float | None:
        return round(percentile(values, p), 2) if values else None

    def summary(name: str) -> dict:
        s = m[name]
        return {
            "project_json_kib": round(s["body_kib"][0]),
            "load_p50_ms": med(s["load"], 2),
            "load_p95_ms": pct(s["load"], 95),
            "save_p50_ms": med(s["save"], 1),
            "edit_p50_ms": med(s["edit"], 2),
            "edit_p95_ms": pct(s["edit"], 95),
            "get_during_saves_p50_ms": med(s["busy_get"], 2),
            "get_during_saves_p99_ms": pct(s["busy_get"], 99),
            "get_during_saves_max_ms": round(max(s["busy_get"]), 2) if s["busy_get"] else None,
            "download_mib_s": med(s["dl_mib_s"], 1),
            "download_4x_rss_growth_mib": med(s["rss4_mib"], 1),
        }

    ours = summary("ours")
    ours["get_idle_p50_ms"] = round(median(idle), 2)
    theirs = summary("theirs") if ref else None
    result = {
        "shots": SHOTS,
        "rounds": args.rounds,
        **({} if phases == list(PHASES) else {"phases": phases}),
        "ours": ours,
        "theirs": theirs or NOT_RUN,
        **identity,
        "ratio_load": ratio(ours["load_p50_ms"], theirs and theirs["load_p50_ms"]),
        "ratio_save": ratio(ours["save_p50_ms"], theirs and theirs["save_p50_ms"]),
        "ratio_edit": ratio(ours["edit_p50_ms"], theirs and theirs["edit_p50_ms"]),
        "ratio_download_throughput": ratio(ours["download_mib_s"], theirs and theirs["download_mib_s"]),
        "ratio_load_vs_target_25ms": ratio(ours["load_p50_ms"], 25, 2),
        "ratio_edit_vs_target_10ms": ratio(ours["edit_p50_ms"], 10, 2),
        "targets": {
            "ratio_load": 0.25,
            "ratio_save": 0.5,
            "get_during_saves_p99_ms": 20,
            "ratio_download_throughput_min": 1.5,
            "download_4x_rss_growth_mib": 10,
        },
    }
    record("projects", result, load_before)


if __name__ == "__main__":
    main()
