"""Startup recovery (seed §5): jobs a crash left `processing` are failed, and so are their shots."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Job, Shot, utcnow
from milimo.db.states import BUSY_SHOT, JobStatus, ShotStatus

log = logging.getLogger(__name__)
ZOMBIE_MESSAGE = "The server restarted while this job was running; generate again to retry."


def recover_zombies(db: Database, settings: Settings | None = None) -> list[str]:
    """Mark `processing` jobs failed; shots stuck generating go back to failed/pending; remove the
    half-written files and scratch folders those jobs left. Returns the zombie job ids."""

    def write(session: Session) -> list[str]:
        zombies = session.execute(select(Job).where(Job.status == JobStatus.processing)).scalars().all()
        now = utcnow()
        for job in zombies:
            job.status, job.error, job.status_message, job.finished_at = JobStatus.failed, ZOMBIE_MESSAGE, ZOMBIE_MESSAGE, now
            job.eta_seconds = None
        zombie_ids = {j.id for j in zombies}
        # A shot whose generation died keeps its previous result if it had one.
        stuck = session.execute(select(Shot).where(Shot.status.in_(BUSY_SHOT))).scalars().all()
        for shot in stuck:
            pending_job = shot.last_job_id and session.get(Job, shot.last_job_id)
            if pending_job and pending_job.status == JobStatus.pending:
                continue  # still queued: the executor will run it
            if shot.last_job_id in zombie_ids or not pending_job or pending_job.status != JobStatus.processing:
                shot.status = ShotStatus.completed if shot.video_url else ShotStatus.failed
                shot.updated_at = now
        return sorted((j.id, j.project_id) for j in zombies)

    zombies = db.write(write)
    if zombies:
        log.warning("marked %d zombie job(s) failed after a restart: %s", len(zombies), ", ".join(j for j, _ in zombies))
    if settings is not None:
        for job_id, project_id in zombies:
            if project_id:
                _remove_leftovers(settings.project_dir(project_id), job_id)
    return [j for j, _ in zombies]


def _remove_leftovers(project_dir: Path, job_id: str) -> None:
    shutil.rmtree(project_dir / "workspace" / job_id, ignore_errors=True)
    for folder in ("generated", "thumbnails", "renders"):
        for part in (project_dir / folder).glob(f".{job_id}*.part*"):
            part.unlink(missing_ok=True)
