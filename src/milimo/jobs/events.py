"""The event bus: every event gets an increasing id and lands in a bounded replay buffer.

Publishers may be worker threads; subscribers are SSE connections on the event loop.
There are no per-client queues to overflow: a subscriber remembers the last id it sent
and reads everything newer from the buffer when woken, so a slow or reconnecting client
(Last-Event-ID) gets every event still in the buffer, in order. If it fell further behind
than the buffer holds, it is told so with a `resync` event and should reload state
(GET /projects/{id}, GET /status/{job_id}).

Ids start at the boot time in microseconds, so they keep increasing across restarts and a
client holding an id from before a restart replays everything the new process has.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

# The seed's event names, plus the flows that come with later issues.
EVENT_TYPES = frozenset(
    {
        "progress", "complete", "error", "cancelled", "log",
        "render_progress", "render_complete", "render_error",
        "download_progress", "download_complete", "download_error",
        "resync",
    }
)


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

    async def stream(self, last_id: int | None, keepalive_s: float) -> AsyncIterator[bytes]:
        """The SSE body: replay after last_id (or only new events), then live, with keepalives."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            yield b"retry: 2000\n\n"
            cursor = self.last_id if last_id is None else last_id
            while not self._closed:
                events, missed = self.since(cursor)
                if missed:
                    # No id line: the client's Last-Event-ID stays where it was.
                    yield b"event: resync\ndata: %s\n\n" % orjson.dumps({"reason": "missed events are no longer buffered; reload state"})
                if events:
                    # One write for everything this client is behind on.
                    yield b"".join(e.wire for e in events)
                    cursor = events[-1].id
                waiter.clear()
                if self._closed:
                    break
                # Re-check after clear: an event published between since() and clear() must not wait.
                if self.last_id > cursor:
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
