"""The database handle: SQLite (WAL, foreign keys) or PostgreSQL, with one writer thread.

Datasette's rule: reads may run on any thread, but every write goes through one writer
thread, so SQLite never answers "database is locked" and a long write never interleaves
with another. Callers hand the writer a function `fn(session) -> result`; it runs inside a
transaction that commits when fn returns. Results must be plain data (ORM objects are
detached after the commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it crash-safe
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = url.split(":", 1)[0].split("+", 1)[0]
        if self.kind == "sqlite":
            self.engine: Engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 10}, pool_size=8, max_overflow=16
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=16)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._writer_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ reads
    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    # ------------------------------------------------------------------ writes
    def _run_write(self, fn: Callable[[Session], T]) -> T:
        self._writer_thread = threading.current_thread()
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                result = fn(session)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run fn(session) in the writer thread and wait for its result."""
        if threading.current_thread() is self._writer_thread:
            raise RuntimeError("nested Database.write: do the work inside the outer write function")
        return self._writer.submit(self._run_write, fn).result()

    async def awrite(self, fn: Callable[[Session], T]) -> T:
        """The same from async code: the event loop never waits on SQLite."""
        return await asyncio.wrap_future(self._writer.submit(self._run_write, fn))

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.engine.dispose()
