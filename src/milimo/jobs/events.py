"""The event bus: every event gets an increasing id and lands in a bounded replay buffer.

Publishers may be worker threads; subscribers are SSE connections on the event loop.
There are no per-client queues to overflow: a subscriber remembers the last id it sent
and reads everything newer from the buffer when woken, so a slow or reconnecting client
(Last-Event-ID) gets every event still in the buffer, in order. If it fell further behind
than the buffer holds, or holds an id the buffer cannot serve (one from an earlier boot), it
is told so with a `resync` event, its cursor moves to now, and it should reload state
(GET /projects/{id}, GET /status/{job_id}).

Ids start at the boot time in microseconds, so they keep increasing across restarts and an id
from an earlier boot is always older than anything this process has.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson

# The seed's event names, plus the flows that come with later issues.
EVENT_TYPES = frozenset(
    {
        "progress",
        "complete",
        "error",
        "cancelled",
        "log",
        "render_progress",
        "render_complete",
        "render_error",
        "download_progress",
        "download_complete",
        "download_error",
        "engines_changed",
        "resync",
    }
)
# The model library changed (a download finished, a model was deleted, POST /engines/refresh): every
# process that selects engines selects again; in a cluster the relay carries it to the others.
ENGINES_CHANGED = "engines_changed"


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]
    wire: bytes  # the SSE frame, encoded once however many clients receive it


def _frame(event_id: int, type: str, body: bytes) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, type.encode(), body)


class EventBus:
    def __init__(self, buffer_size: int = 2048) -> None:
        self._buffer: deque[Event] = deque(maxlen=buffer_size)
        self._lock = threading.Lock()
        self._next_id = time.time_ns() // 1000
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Event] = set()
        self._closed = False
        # Cluster mode (jobs/channel.py): every event published here also goes to the other processes.
        self.relay: Callable[[Event], None] | None = None

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Seed §5: capture the event loop so threads can wake SSE subscribers."""
        self._loop = loop

    @property
    def last_id(self) -> int:
        return self._next_id - 1

    def publish(self, type: str, data: dict[str, Any]) -> Event:
        """Thread-safe. Returns the stored event."""
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}")
        data = {**data, "ts": round(time.time(), 4)}  # when it happened (seconds since the epoch)
        event = self._store(type, data)
        relay = self.relay
        if relay is not None:
            relay(event)
        return event

    def publish_remote(self, type: str, data: dict[str, Any]) -> Event:
        """An event another process published (it carries its own `ts`): buffered under this bus's next id,
        so Last-Event-ID replay and resync work the same for it; not relayed again."""
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}")
        return self._store(type, data)

    def _store(self, type: str, data: dict[str, Any]) -> Event:
        body = orjson.dumps(data, option=orjson.OPT_UTC_Z)
        with self._lock:
            event = Event(self._next_id, type, data, _frame(self._next_id, type, body))
            self._next_id += 1
            self._buffer.append(event)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                self._wake()
            else:
                loop.call_soon_threadsafe(self._wake)
        return event

    def close(self) -> None:
        """End every SSE stream (server shutdown), so the server need not wait for clients to hang up."""
        self._closed = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    def since(self, last_id: int) -> tuple[list[Event], bool]:
        """Events with id > last_id, and whether some were already dropped from the buffer."""
        with self._lock:
            if not self._buffer:
                return [], False
            first = self._buffer[0].id
            missed = last_id + 1 < first  # the next event this client needs is gone
            # Ids are contiguous, so how many events are newer is arithmetic; read them from the
            # right end of the deque, where indexing is cheap (clients are usually 0-2 events behind).
            newer = min(len(self._buffer), self._buffer[-1].id - last_id)
            buf = self._buffer
            return [buf[-i] for i in range(newer, 0, -1)], missed

    def _read(self, cursor: int) -> tuple[list[Event], int | None]:
        """What a subscriber at `cursor` gets next: (events newer than it, None), or ([], now) when
        the buffer cannot serve it (it fell behind, or holds an id from another boot): a resync."""
        with self._lock:
            newest = self._next_id - 1
            if cursor == newest:
                return [], None
            buf = self._buffer
            if cursor > newest or not buf or cursor + 1 < buf[0].id:
                return [], newest
            # Ids are contiguous, so how many events are newer is arithmetic; read them from the
            # right end of the deque, where indexing is cheap (clients are usually 0-2 events behind).
            return [buf[-i] for i in range(newest - cursor, 0, -1)], None

    async def stream(self, last_id: int | None, keepalive_s: float) -> AsyncIterator[bytes]:
        """The SSE body: replay after last_id (or only new events), then live, with keepalives.

        Every turn of the loop either moves the cursor forward or awaits the waiter, so no
        client can keep the event loop busy (a stale Last-Event-ID once spun it forever)."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            yield b"retry: 2000\n\n"
            cursor = self.last_id if last_id is None else last_id
            while not self._closed:
                waiter.clear()  # before reading: an event published after the read sets it again
                events, resync_to = self._read(cursor)
                if resync_to is not None:
                    # The client reloads state; from now on it gets live events. The id line moves its
                    # Last-Event-ID to now, so a reconnect does not ask for the lost range again.
                    cursor = resync_to
                    yield b"id: %d\nevent: resync\ndata: %s\n\n" % (
                        cursor,
                        orjson.dumps({"reason": "missed events are no longer buffered; reload state"}),
                    )
                elif events:
                    # One write for everything this client is behind on.
                    cursor = events[-1].id
                    yield b"".join(e.wire for e in events)
                if self._closed:
                    break
                if self.last_id > cursor:
                    await asyncio.sleep(0)  # more arrived meanwhile: read again, after letting others run
                    continue
                try:
                    # asyncio.timeout, not wait_for: wait_for wraps every wait in a new Task (3.11),
                    # which at 200 clients x 50 events/s is most of the loop's work.
                    async with asyncio.timeout(keepalive_s):
                        await waiter.wait()
                except TimeoutError:
                    yield b": keepalive\n\n"
        finally:
            self._waiters.discard(waiter)
