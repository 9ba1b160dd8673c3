"""The public implementation as a benchmark anchor, measured in the same run as ours.

Only when MILIMO_BENCH_REFERENCE_REPO names a local checkout of its repository
(mainza-ai/milimovideo, see /work/shared/reference/reference-system.md). Its `backend/` is
copied to a scratch folder (it writes its database and logs next to its code) and served by
bench/reference_stub.py with its ML imports stubbed, on the same uvicorn/Starlette/FastAPI as
ours. Without the setting, `ReferenceServer.maybe()` gives None and every row says the anchor
was not run: a figure from another day is never divided by.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._common import code_identity

ENV = "MILIMO_BENCH_REFERENCE_REPO"
NOT_RUN = f"not run: set {ENV} to a local checkout of the public implementation's repository"


def reference_repo() -> Path | None:
    value = os.environ.get(ENV)
    if not value:
        return None
    repo = Path(value).expanduser()
    if not (repo / "backend" / "server.py").is_file():
        raise SystemExit(f"{ENV}={value} is not a checkout of the public implementation (no backend/server.py)")
    return repo


def reference_identity(repo: Path) -> dict:
    code = code_identity(repo, "backend")  # the code that runs; its repository also holds images and vendored models
    return {"reference_commit": code["commit"], "reference_tree_clean": code["tree_clean"]}


class ReferenceServer:
    """Its server in a child process, on a free port, with a fresh database and projects folder."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.tmp = tempfile.TemporaryDirectory(prefix="milimo-bench-ref-")
        self.backend = Path(self.tmp.name) / "backend"
        shutil.copytree(
            repo / "backend", self.backend, ignore=shutil.ignore_patterns("*.db", "projects", "server.log*", "__pycache__")
        )
        self.data_dir = self.backend  # its projects/ live under backend/
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        root = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.reference_stub", str(self.backend), str(self.port)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the reference server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/projects", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("the reference server did not start")

    @classmethod
    def maybe(cls) -> ReferenceServer | None:
        repo = reference_repo()
        return cls(repo) if repo else None

    def identity(self) -> dict:
        return reference_identity(self.repo)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.tmp.cleanup()

    def __enter__(self) -> ReferenceServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
