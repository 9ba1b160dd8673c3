"""Messages between the processes of a cluster, over PostgreSQL LISTEN/NOTIFY.

The job row is the truth; these messages only say "look now" or carry an event that every API
replica's EventBus should have: `e` an event (type, data), `w` a job was submitted (wake),
`c` cancel this job, `h` a worker's heartbeat (what it runs, where, what it holds). A payload
stays under PostgreSQL's 8000-byte limit: an event too large to send goes out as its routing
fields only, and a client reloads the job from the row (GET /status/{job_id}).

One connection listens (its own thread); one sends, under a lock, so a process's messages arrive
everywhere in the order it sent them (PostgreSQL delivers notifications in commit order), which
keeps each job's progress in order on every replica. Used only with PostgreSQL and a cluster
executor: with SQLite and the local executor nothing here runs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson

log = logging.getLogger(__name__)
CHANNEL = "milimo"
MAX_PAYLOAD = 7900  # PostgreSQL refuses notifications of 8000 bytes or more
ROUTING = ("job_id", "shot_id", "project_id", "type", "status", "ts")
Handler = Callable[[dict[str, Any], bool], None]  # (message, sent by this process)


def libpq_url(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg://... as the plain URL psycopg connects with."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


class Channel:
    def __init__(self, db_url: str, origin: str | None = None) -> None:
        self.url = libpq_url(db_url)
        self.origin = origin or uuid.uuid4().hex[:12]
        self._handlers: dict[str, list[Handler]] = {}
        self._send_lock = threading.Lock()
        self._send_conn: Any = None
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._listen_loop, name="pg-listen", daemon=True)
        self._thread.start()
        if not self._listening.wait(timeout):
            raise RuntimeError(f"could not LISTEN on {CHANNEL!r} within {timeout:.0f} s; is PostgreSQL reachable?")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        with self._send_lock:
            if self._send_conn is not None:
                self._send_conn.close()
                self._send_conn = None

    # ------------------------------------------------------------------ sending
    def send(self, kind: str, body: dict[str, Any] | None = None) -> None:
        """Best effort: a message lost to a dropped connection is covered by the row (pollers, resync)."""
        payload = orjson.dumps({"k": kind, "o": self.origin, **(body or {})}, option=orjson.OPT_UTC_Z).decode()
        with self._send_lock:
            for attempt in (1, 2):
                try:
                    if self._send_conn is None:
                        import psycopg

                        self._send_conn = psycopg.connect(self.url, autocommit=True)
                    self._send_conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except Exception as exc:
                    if self._send_conn is not None:
                        self._send_conn.close()
                    self._send_conn = None
                    if attempt == 2:
                        log.warning("could not send a %r message to the cluster: %s", kind, exc)

    def send_event(self, type: str, data: dict[str, Any]) -> None:
        body = {"t": type, "d": data}
        if len(orjson.dumps(body, option=orjson.OPT_UTC_Z)) > MAX_PAYLOAD:
            body = {"t": type, "d": {**{k: data[k] for k in ROUTING if k in data}, "truncated": True}}
        self.send("e", body)

    # ------------------------------------------------------------------ listening
    def _listen_loop(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._dispatch(note.payload)
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("lost the cluster channel (%s); reconnecting", exc)
                time.sleep(1.0)

    def _dispatch(self, payload: str) -> None:
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError:
            log.warning("ignoring a malformed cluster message: %.80s", payload)
            return
        for handler in self._handlers.get(message.get("k", ""), ()):
            try:
                handler(message, message.get("o") == self.origin)
            except Exception:
                log.exception("cluster message handler failed for %r", message.get("k"))


class WorkerRegistry:
    """The workers this process has heard from (heartbeats), alive while they keep beating."""

    def __init__(self, stale_after_s: float) -> None:
        self.stale_after_s = stale_after_s
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, dict[str, Any]]] = {}

    def heard(self, message: dict[str, Any], _from_self: bool) -> None:
        info = message.get("w") or {}
        if "name" in info:
            with self._lock:
                self._seen[info["name"]] = (time.monotonic(), info)

    def forget(self, name: str) -> None:
        with self._lock:
            self._seen.pop(name, None)

    def alive(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            return [
                {**info, "last_seen_s": round(now - t, 2)}
                for t, info in sorted(self._seen.values(), key=lambda x: x[1]["name"])
                if now - t <= self.stale_after_s
            ]
