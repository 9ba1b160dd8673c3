"""Who is still running a job, across machines: a PostgreSQL advisory lock per running job.

A worker takes the lock for a job when it claims it, on a connection of its own, and lets go when
the job ends. If the worker's process dies (SIGKILL, OOM, a lost node), PostgreSQL closes its
connection and the lock goes with it. The reaper, in every replica and worker of a cluster, looks
at `processing` rows: one whose lock it can take has nobody running it, and is failed with a message
that says so, its shot released, the jobs waiting for it (a still-first video) ended, and its scratch
folder and half-written files removed. Nothing is re-queued: a job that killed its worker (out of
memory) would kill the next one too, and the artist decides whether to generate again.

This replaces the startup zombie sweep in a cluster, where another replica's start must not fail
jobs that workers elsewhere are running. PostgreSQL only.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Job, utcnow
from milimo.db.states import JobStatus
from milimo.jobs import store
from milimo.jobs.channel import libpq_url
from milimo.jobs.events import EventBus
from milimo.jobs.recovery import end_dependents, remove_leftovers

log = logging.getLogger(__name__)
WORKER_LOST = "The worker running this job stopped (its process died or lost the database); generate again to retry."
# A claim commits a moment before its lock is taken; a row younger than this is never judged.
CLAIM_GRACE_S = 3.0


class JobLeases:
    """The locks this process holds for the jobs it runs (one connection, kept open)."""

    def __init__(self, db_url: str) -> None:
        self.url = libpq_url(db_url)
        self._lock = threading.Lock()
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            self._conn = psycopg.connect(self.url, autocommit=True)
        return self._conn

    def hold(self, job_id: str) -> None:
        with self._lock:
            self._connection().execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (job_id,))

    def release(self, job_id: str) -> None:
        with self._lock:
            try:
                self._connection().execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (job_id,))
            except Exception as exc:  # the connection is gone, and the lock with it
                log.warning("could not release the lease of %s: %s", job_id, exc)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Reaper:
    """Fails `processing` jobs that no live worker holds. Runs on a thread of its own."""

    def __init__(self, db: Database, bus: EventBus, settings: Settings | None = None, interval_s: float = 1.0) -> None:
        """`settings`: where projects live, to remove what a dead worker left (shared storage); None keeps files."""
        self.db, self.bus, self.settings, self.interval_s = db, bus, settings, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="job-reaper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.reap()
            except Exception as exc:
                log.warning("job reaper: %s", exc)
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
        if self._conn is not None:
            self._conn.close()

    def reap(self) -> list[str]:
        """One sweep. Returns the ids of the jobs it failed."""
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(libpq_url(self.db.url), autocommit=True)
        cutoff = utcnow() - timedelta(seconds=CLAIM_GRACE_S)
        with self.db.read() as session:
            running = list(
                session.execute(
                    select(col(Job.id)).where(col(Job.status) == JobStatus.processing, col(Job.started_at) < cutoff)
                ).scalars()
            )
        failed = []
        for job_id in running:
            if not self._conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (job_id,)).fetchone()[0]:
                continue  # a live worker holds it
            try:  # while we hold the lock no other reaper judges this job; read the row fresh
                job = store.get_job(self.db, job_id)
                if job.status != JobStatus.processing:
                    continue
                log.error("job %s lost its worker; failing it", job_id)
                if store.finish(self.db, job_id, JobStatus.failed, error=WORKER_LOST) is None:
                    continue
                self.bus.publish("error", {**store.event_fields(job), "status": JobStatus.failed, "message": WORKER_LOST})
                failed.append(job_id)
                end_dependents(self.db, self.bus, job_id)  # a still-first video waiting for it ends too
                if self.settings is not None and job.project_id:
                    remove_leftovers(self.settings.project_dir(job.project_id), job_id)
            except Exception as exc:
                log.warning("could not fail orphaned job %s: %s", job_id, exc)
            finally:
                self._conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (job_id,))
        return failed
