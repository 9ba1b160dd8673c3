"""A small real SSE client for tests: reads /events over HTTP in a thread, parses id/event/data."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class SSEEvent:
    id: int | None
    type: str
    data: dict[str, Any]


class SSEClient:
    def __init__(self, base_url: str, last_event_id: int | None = None) -> None:
        self.events: list[SSEEvent] = []
        self._queue: queue.Queue[SSEEvent] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        self._thread = threading.Thread(target=self._run, args=(base_url, headers), daemon=True)
        self._thread.start()
        if not self._connected.wait(10):
            raise RuntimeError("SSE connection did not open")

    def _run(self, base_url: str, headers: dict[str, str]) -> None:
        try:
            self._read(base_url, headers)
        except (httpx.HTTPError, RuntimeError, AttributeError):
            if not self._stop.is_set():
                raise

    def _read(self, base_url: str, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=base_url, timeout=httpx.Timeout(5, read=None)) as http:
            with http.stream("GET", "/events", headers=headers) as response:
                self._response = response
                self._connected.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "event" in fields or "data" in fields:
                            ev = SSEEvent(
                                int(fields["id"]) if "id" in fields else None,
                                fields.get("event", "message"),
                                json.loads(fields.get("data", "{}")),
                            )
                            self.events.append(ev)
                            self._queue.put(ev)
                        fields = {}
                    elif not line.startswith(":"):
                        key, _, value = line.partition(":")
                        fields[key] = value[1:] if value.startswith(" ") else value

    def wait_for(self, predicate: Callable[[SSEEvent], bool], timeout: float = 60) -> SSEEvent:
        deadline = time.monotonic() + timeout
        for ev in list(self.events):
            if predicate(ev):
                return ev
        while time.monotonic() < deadline:
            try:
                ev = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if predicate(ev):
                return ev
        raise TimeoutError(
            f"no matching event within {timeout}s; saw {[(e.type, e.data.get('message')) for e in self.events][-10:]}"
        )

    def for_job(self, job_id: str) -> list[SSEEvent]:
        return [e for e in self.events if e.data.get("job_id") == job_id]

    def close(self) -> None:
        """Hang up (the server sees the disconnect)."""
        self._stop.set()
        response = getattr(self, "_response", None)
        if response is not None:
            try:
                response.close()
            except Exception:
                pass
