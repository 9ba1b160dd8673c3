"""bench/gpu_ltx2.py on its CPU path: the tiny models through the studio engine and the bare pipeline, rows written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import needs_torch

pytestmark = [pytest.mark.models, needs_torch]


def test_the_gpu_bench_runs_its_cpu_path_and_records_every_mode(tmp_path: Path):
    from bench.gpu_ltx2 import main

    results = tmp_path / "gpu_ltx2.jsonl"
    assert main(["--tiny", "--versions", "2.5", "--runs", "1", "--results", str(results)]) == 0
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(r["version"], r["mode"]) for r in rows] == [("2.5", "gpu"), ("2.5", "text_encoder_cpu")]
    for r in rows:
        assert r["tiny"] and r["device"] == "cpu" and r["size"] == "64x64x17" and r["steps"] == 2
        assert r["studio_s"] > 0 and r["bare_s"] > 0 and r["studio_over_bare"] > 0 and r["step_s"] > 0
        assert r["job_with_encode_s"] >= r["studio_s"]
        assert r["planned"]["mode"] == r["mode"]
    assert (tmp_path / "gpu_ltx2.jsonl").stat().st_size > 0
