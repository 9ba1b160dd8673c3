"""Startup recovery (seed §5): jobs a crash left `processing` are failed, and so are their shots;
files that jobs which did not complete left behind are removed."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset, Job, Shot, table_of, utcnow
from milimo.db.states import BUSY_SHOT, JobStatus, ShotStatus
from milimo.jobs import store
from milimo.jobs.events import EventBus

log = logging.getLogger(__name__)
ZOMBIE_MESSAGE = "The server restarted while this job was running; generate again to retry."


def recover_zombies(db: Database, settings: Settings | None = None) -> list[str]:
    """Mark `processing` jobs failed; shots stuck generating go back to failed/pending; remove the
    half-written files and scratch folders those jobs left. Returns the zombie job ids."""

    def write(session: Session) -> list[tuple[str, str | None]]:
        zombies = session.execute(select(Job).where(col(Job.status) == JobStatus.processing)).scalars().all()
        now = utcnow()
        for job in zombies:
            job.status, job.error, job.status_message, job.finished_at = JobStatus.failed, ZOMBIE_MESSAGE, ZOMBIE_MESSAGE, now
            job.eta_seconds = None
        zombie_ids = {j.id for j in zombies}
        # A shot whose generation died keeps its previous result if it had one.
        stuck = session.execute(select(Shot).where(col(Shot.status).in_(BUSY_SHOT))).scalars().all()
        for shot in stuck:
            pending_job = shot.last_job_id and session.get(Job, shot.last_job_id)
            if pending_job and pending_job.status == JobStatus.pending:
                continue  # still queued: the executor will run it
            if shot.last_job_id in zombie_ids or not pending_job or pending_job.status != JobStatus.processing:
                shot.status = ShotStatus.completed if shot.video_url else ShotStatus.failed
                shot.updated_at = now
        return sorted((j.id, j.project_id) for j in zombies)

    zombies = db.write(write)
    for job_id, _ in zombies:  # a video that waited for a still that died with the server ends too
        store.end_dependents(db, job_id)
    if zombies:
        log.warning("marked %d zombie job(s) failed after a restart: %s", len(zombies), ", ".join(j for j, _ in zombies))
    if settings is not None:
        for job_id, project_id in zombies:
            if project_id:
                remove_leftovers(settings.project_dir(project_id), job_id)
        removed = remove_unfinished_outputs(db, settings)
        if removed:
            log.warning(
                "removed %d output file(s) of jobs that did not complete: %s", len(removed), ", ".join(p.name for p in removed)
            )
    return [j for j, _ in zombies]


# Where jobs write their outputs: generated/{job_id}.mp4|.jpg|_matte.mp4|.dfr.safetensors,
# thumbnails/{job_id}_thumb.jpg, renders/{job_id}.mp4|.mov. A file is a job's when its name starts
# with the job's id followed by "." or "_", whatever the job type appends.
OUTPUT_FOLDERS = ("generated", "thumbnails", "renders")


def _job_of(name: str, job_ids: set[str]) -> str | None:
    """The job among `job_ids` whose output `name` is: the id, then "." or "_" (ids may hold "_")."""
    for i, ch in enumerate(name):
        if ch in "._" and name[:i] in job_ids:
            return name[:i]
    return None


def remove_unfinished_outputs(db: Database, settings: Settings) -> list[Path]:
    """Outputs of failed or cancelled jobs that no asset references. A kill between an output's
    final rename and the job's finish leaves a complete file no URL points at; the job's row
    says it did not complete, and no asset row names the file, so nobody can reach it. A job
    that did register an asset keeps all its files (an asset's meta may name a sidecar)."""
    t, a = table_of(Job).c, table_of(Asset).c
    with db.read() as session:
        unfinished: dict[str, set[str]] = {}
        for job_id, project_id in session.execute(
            select(t.id, t.project_id).where(
                t.status.in_((JobStatus.failed, JobStatus.cancelled)),
                t.project_id.is_not(None),
                t.id.not_in(select(a.job_id).where(a.job_id.is_not(None))),
            )
        ):
            unfinished.setdefault(project_id, set()).add(job_id)
        referenced = {
            (pid, rel) for pid, rel in session.execute(select(a.project_id, a.rel_path).where(a.project_id.in_(unfinished)))
        }
        prefix = "/projects/"
        for pid, url in session.execute(
            select(a.project_id, a.thumbnail_url).where(a.project_id.in_(unfinished), a.thumbnail_url.is_not(None))
        ):
            if url.startswith(f"{prefix}{pid}/"):
                referenced.add((pid, url[len(prefix) + len(pid) + 1 :]))
    removed = []
    for project_id, job_ids in unfinished.items():
        root = settings.project_dir(project_id)
        for folder in OUTPUT_FOLDERS:
            try:
                names = [e.name for e in (root / folder).iterdir() if e.is_file()]
            except FileNotFoundError:
                continue
            for name in names:
                if _job_of(name, job_ids) and (project_id, f"{folder}/{name}") not in referenced:
                    (root / folder / name).unlink(missing_ok=True)
                    removed.append(root / folder / name)
    return removed


def end_dependents(db: Database, bus: EventBus, job_id: str) -> list[Job]:
    """A job failed or was cancelled: the jobs waiting for it (a still-first shot's video) end too,
    and every client hears so. Returns the jobs it ended."""
    ended = store.end_dependents(db, job_id)
    for dep in ended:
        kind = "cancelled" if dep.status == JobStatus.cancelled else "error"
        bus.publish(kind, {**store.event_fields(dep), "status": dep.status, "message": dep.status_message})
    return ended


def remove_leftovers(project_dir: Path, job_id: str) -> None:
    """The scratch folder and half-written files of a job that ended without cleaning up after itself
    (its process died): workspace/{job_id}/ and the `.{job_id}*.part*` files of its outputs."""
    shutil.rmtree(project_dir / "workspace" / job_id, ignore_errors=True)
    for folder in ("generated", "thumbnails", "renders"):
        for part in (project_dir / folder).glob(f".{job_id}*.part*"):
            part.unlink(missing_ok=True)
