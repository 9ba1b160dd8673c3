"""Shared helpers for benchmarks: timing, peak memory, the code identity and the results log."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parents[1]


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.check_output(["git", *args], cwd=cwd, text=True, stderr=subprocess.DEVNULL).strip()


def code_identity(repo: Path = ROOT, under: str = ".") -> dict:
    """The exact code measured: the full commit, and whether the work tree matched it.

    Results files are ignored (a run appends to them); anything else uncommitted means the
    figure belongs to no commit anyone can check out, so it is not a result.
    """
    try:
        commit = _git("rev-parse", "HEAD", cwd=repo)
        dirty = [
            line
            for line in _git("status", "--porcelain", "--untracked-files=normal", "--", under, cwd=repo).splitlines()
            if "bench/results/" not in line
        ]
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "tree_clean": False}
    return {"commit": commit, "tree_clean": not dirty, **({"dirty_files": len(dirty)} if dirty else {})}


def machine_load() -> dict:
    one, five, _ = os.getloadavg()
    return {"load_avg_1m": round(one, 2), "load_avg_5m": round(five, 2)}


def record(name: str, result: dict, load_before: dict | None = None) -> dict:
    """Append one result line to bench/results/{name}.jsonl and print it.

    A row measured on a dirty tree is written with `"result": false` and a note: it says what
    some uncommitted code did, which no one can reproduce, so it must not be quoted as a result.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    code = code_identity()
    row = {
        "bench": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **code,
        "result": code["tree_clean"],
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        **({"load_before": load_before} if load_before else {}),
        "load_after": machine_load(),
        **result,
    }
    if not code["tree_clean"]:
        row["note"] = "measured on a dirty tree: not a result (commit first, then run again)"
    with open(RESULTS / f"{name}.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=2))
    if not code["tree_clean"]:
        print(f"bench {name}: the tree is dirty; the row is marked as not a result", flush=True)
    return row


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio(ours: float | None, theirs: float | None, digits: int = 3) -> float | None:
    """ours ÷ theirs, or None when the anchor was not measured in this run."""
    if ours is None or not theirs:
        return None
    return round(ours / theirs, digits)


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
