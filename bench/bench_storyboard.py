"""Storyboard: parse a 120-page feature screenplay (~6,000 lines of Fountain) and commit it into a project.

Targets (issue 11, this 2-core machine): parse <= 200 ms, commit of its storyboard <= 500 ms.
Anchor measured in the same run: fountain-py parsing the same text alone (the floor under our
adapter, shot types, lengths and prompts). Parse is timed in-process and over HTTP; commit over
HTTP into a fresh project (every shot new), then again with every shot unchanged (the merge path).
"""

from __future__ import annotations

import os
import time

import httpx
from fountain import FountainParser

from bench._common import median, record
from bench.screenplay import feature_screenplay
from bench.server import BenchServer
from milimo.storyboard import parse_script

COMMITS = 3


def timed(fn, n: int) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out, result


def main() -> None:
    text = feature_screenplay()
    lines = text.count("\n")
    floor, _ = timed(lambda: FountainParser().parse(text), 5)
    parse_ms, board = timed(lambda: parse_script(text), 5)
    shots = len(board.shots())
    with BenchServer() as server, httpx.Client(base_url=server.url, timeout=120) as http:
        pids = [http.post("/projects", json={"name": f"Feature {i}"}).json()["id"] for i in range(COMMITS)]
        pid = pids[-1]
        http_parse, parsed = timed(lambda: http.post(f"/projects/{pid}/storyboard/parse", json={"script_text": text}).json(), 3)
        body = {"base_version": 1, "script_text": text, "scenes": parsed["scenes"]}
        commits = []
        for project in pids:  # a fresh project each time: every shot is new
            t0 = time.perf_counter()
            r = http.post(f"/projects/{project}/storyboard/commit", json=body)
            commits.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
        commit_new_ms = median(commits)
        version = r.json()["project_version"]
        reparsed = http.post(f"/projects/{pid}/storyboard/parse", json={"script_text": text}).json()
        recognised = sum(1 for sc in reparsed["scenes"] for s in sc["shots"] if s["id"])
        t0 = time.perf_counter()
        r = http.post(f"/projects/{pid}/storyboard/commit", json={"base_version": version, "scenes": reparsed["scenes"]})
        commit_merge_ms = (time.perf_counter() - t0) * 1000
        r.raise_for_status()
        assert r.json()["summary"]["unchanged"] == shots, r.json()["summary"]
    p = median(parse_ms)
    record(
        "storyboard",
        {
            "load_avg_1m": round(os.getloadavg()[0], 1),  # this machine is shared: read the ratios with the load
            "lines": lines,
            "scenes": len(board.scenes),
            "shots": shots,
            "recognised_on_reparse": recognised,
            "fountain_py_alone_ms": round(median(floor), 1),
            "parse_ms": round(p, 1),
            "parse_http_ms": round(median(http_parse), 1),
            "commit_new_ms": round(commit_new_ms, 1),
            "commit_new_max_ms": round(max(commits), 1),
            "commit_unchanged_ms": round(commit_merge_ms, 1),
            "ratio_parse_vs_target_200ms": round(p / 200, 2),
            "ratio_commit_vs_target_500ms": round(commit_new_ms / 500, 2),
            "ratio_parse_vs_fountain_py_alone": round(p / median(floor), 2),
        },
    )


if __name__ == "__main__":
    main()
