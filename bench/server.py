"""A real `milimo serve` process for benchmarks (the same thing users run)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


class BenchServer:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="milimo-bench-")
        self.data_dir = Path(self.tmp.name) / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "milimo.cli", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env={**os.environ, "MILIMO_LOG_LEVEL": "warning", **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("bench server did not start")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.tmp.cleanup()

    def __enter__(self) -> "BenchServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
