"""Keep the segmentation service running beside the studio: start it, wait for health, restart it if it dies.

The studio calls `start()` in its startup and `stop()` in its shutdown. A watcher thread polls
the child; when it exits unexpectedly it is started again after a back-off that doubles up to
MAX_BACKOFF_S (a service that crashes at once does not spin), and the back-off resets once the
child has stayed healthy for STABLE_S.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

log = logging.getLogger("milimo.sam.supervisor")
MAX_BACKOFF_S = 30.0
STABLE_S = 30.0


class SamSupervisor:
    def __init__(
        self,
        data_dir: Path,
        port: int = 8001,
        *,
        env: dict[str, str] | None = None,
        health_timeout_s: float = 60.0,
        poll_s: float = 0.5,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **(env or {})}
        self.health_timeout_s = health_timeout_s
        self.poll_s = poll_s
        self.log_file = log_file
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "milimo.cli", "sam-service", "--port", str(self.port), "--data-dir", str(self.data_dir)]

    def _spawn(self) -> subprocess.Popen:
        if self.log_file is None:
            return subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        with open(self.log_file, "ab") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(self.command(), env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def healthy(self, timeout: float = 1.0) -> bool:
        try:
            return httpx.get(self.url + "/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_healthy(self, timeout: float | None = None) -> bool:
        """True once /health answers; False if the child exits or the time runs out."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.health_timeout_s)
        while time.monotonic() < deadline and not self._stopping.is_set():
            proc = self.proc
            if proc is None or proc.poll() is not None:
                return False
            if self.healthy():
                return True
            time.sleep(0.1)
        return False

    def start(self, wait: bool = True) -> bool:
        """Start the child and the watcher. Returns whether the service answered in time (the watcher keeps trying)."""
        with self._lock:
            self._stopping.clear()
            self.proc = self._spawn()
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(target=self._watch, name="sam-supervisor", daemon=True)
            self._watcher.start()
        return self.wait_healthy() if wait else True

    def _watch(self) -> None:
        backoff, started = 1.0, time.monotonic()
        while not self._stopping.wait(self.poll_s):
            proc = self.proc
            if proc is None:
                continue
            if proc.poll() is None:
                if time.monotonic() - started > STABLE_S:
                    backoff = 1.0
                continue
            log.warning("segmentation service exited with %s; restarting in %.0f s", proc.returncode, backoff)
            if self._stopping.wait(backoff):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.proc = self._spawn()
                self.restarts += 1
            started, backoff = time.monotonic(), min(MAX_BACKOFF_S, backoff * 2)

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the child (SIGTERM, then SIGKILL after `timeout`) and stop watching."""
        self._stopping.set()
        with self._lock:
            proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
