"""Tracking sessions: a clip's frames and its tracker, bounded in number and in idle time.

A session holds decoded frames in memory, so their count is capped (MILIMO_SAM_MAX_SESSIONS)
and an untouched session is closed after MILIMO_SAM_SESSION_IDLE_S. Expired sessions are
reaped on every call, so no background thread is needed. Each session has its own lock: a
prompt and a propagate on the same clip never interleave, while different clips run side by
side.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from milimo.errors import Conflict, NotFound, StudioError, TooLarge
from milimo.sam_service.engine import Tracker


class TooManySessions(StudioError):
    status_code = 429
    code = "too_many_sessions"


@dataclass
class Session:
    id: str
    video: str  # the clip's path relative to the data dir (for logs and answers)
    frames: list[np.ndarray]
    fps: float
    tracker: Tracker
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: threading.Event = field(default_factory=threading.Event)  # set by stop: a running propagation ends

    @property
    def width(self) -> int:
        return int(self.frames[0].shape[1])

    @property
    def height(self) -> int:
        return int(self.frames[0].shape[0])


class Sessions:
    def __init__(self, max_sessions: int, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_sessions = max_sessions
        self.idle_s = idle_s
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        with self._lock:
            self._reap()
            return len(self._sessions)

    def _reap(self) -> None:
        now = self.clock()
        for sid in [s.id for s in self._sessions.values() if now - s.last_used > self.idle_s and not s.lock.locked()]:
            del self._sessions[sid]

    def reserve(self) -> None:
        """Refuse early (before decoding a clip) when every slot is taken."""
        with self._lock:
            self._reap()
            if len(self._sessions) >= self.max_sessions:
                raise TooManySessions(
                    f"{self.max_sessions} tracking sessions are open; stop one (POST /track/stop) "
                    f"or wait {self.idle_s:.0f} s for an idle one to close (MILIMO_SAM_MAX_SESSIONS)"
                )

    def open(self, video: str, frames: list[np.ndarray], fps: float, tracker: Tracker) -> Session:
        with self._lock:
            self._reap()
            if len(self._sessions) >= self.max_sessions:
                raise TooManySessions(f"{self.max_sessions} tracking sessions are open; stop one (POST /track/stop)")
            session = Session(uuid.uuid4().hex[:16], video, frames, fps, tracker, last_used=self.clock())
            self._sessions[session.id] = session
            return session

    def get(self, session_id: str) -> Session:
        with self._lock:
            self._reap()
            session = self._sessions.get(session_id)
            if session is None:
                raise NotFound(
                    f"tracking session {session_id!r} is not open (it was stopped, or idle for more than "
                    f"{self.idle_s:.0f} s); start a new one with POST /track/start"
                )
            session.last_used = self.clock()
            return session

    def close(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        session.closed.set()
        return True

    def close_all(self) -> None:
        with self._lock:
            closing, self._sessions = list(self._sessions.values()), {}
        for session in closing:
            session.closed.set()


@contextlib.contextmanager
def hold(session: Session) -> Iterator[Session]:
    """Use the session alone for a while, or 409 if another call is using it right now."""
    if not session.lock.acquire(blocking=False):
        raise Conflict(f"tracking session {session.id} is busy with another request; wait for it to finish")
    try:
        yield session
    finally:
        session.lock.release()


def load_frames(path: Path, max_frames: int, max_bytes: int) -> tuple[list[np.ndarray], float]:
    """Decode a clip (or a still) for tracking, refusing clips past the frame or memory caps before decoding them."""
    from milimo.media import MediaError, iter_frames, probe

    try:
        info = probe(path)
    except MediaError as exc:
        raise StudioError(f"the clip cannot be read: {exc}") from None
    if info.kind == "image":
        from milimo.media import load_rgb

        return [np.asarray(load_rgb(path))], 24.0
    if info.kind != "video":
        raise StudioError("tracking needs a video (or a still image)")
    frames_expected = max(1, info.num_frames or 1)
    if frames_expected > max_frames:
        raise TooLarge(
            f"the clip has {frames_expected} frames; tracking holds at most {max_frames} (MILIMO_SAM_MAX_VIDEO_FRAMES)"
        )
    if frames_expected * info.width * info.height * 3 > max_bytes:
        raise TooLarge(
            f"the clip needs {frames_expected * info.width * info.height * 3 / 1e9:.1f} GB decoded; the limit is "
            f"{max_bytes / 1e9:.1f} GB (MILIMO_SAM_MAX_VIDEO_BYTES); trim it first"
        )
    frames = []
    for frame in iter_frames(path):
        frames.append(frame)
        if len(frames) > max_frames:
            raise TooLarge(f"the clip has more than {max_frames} frames (MILIMO_SAM_MAX_VIDEO_FRAMES)")
    if not frames:
        raise StudioError("the clip has no frames")
    return frames, float(info.fps_float or 24.0)
