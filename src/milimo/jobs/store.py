"""Jobs are rows: create, claim atomically, report progress, finish. All writes go through the writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, false, or_, select, update
from sqlmodel import Session, col

from milimo.db.database import Database
from milimo.db.models import Job, Project, Shot, table_of, utcnow
from milimo.db.states import ACTIVE, BUSY_SHOT, TERMINAL, JobStatus, JobType, ShotStatus
from milimo.engines.protocols import Engine
from milimo.errors import Conflict, NotFound
from milimo.jobs.params import PARAMS, JobParams
from milimo.jobs.results import JobOutputs, ShotTake

PUBLIC_FIELDS = (
    "id",
    "after_job_id",
    "project_id",
    "shot_id",
    "type",
    "status",
    "progress",
    "status_message",
    "eta_seconds",
    "engine",
    "engine_version",
    "params",
    "outputs",
    "error",
    "created_at",
    "started_at",
    "finished_at",
)


def queued_job(
    job_id: str,
    project_id: str,
    job_type: JobType,
    params: JobParams,
    engine: Engine | None = None,
    *,
    shot_id: str | None = None,
    after_job_id: str | None = None,
    status_message: str = "",
    created_at: datetime | None = None,
) -> Job:
    """A new job row, as every submit writes one: its typed params serialised, and the engine that
    will run it (family, for the ModelManager; name and version, recorded on what it makes).
    `params` must be exactly its type's model (jobs.params.PARAMS): a row the slot would refuse is never queued."""
    if type(params) is not PARAMS[job_type]:
        raise TypeError(f"a {job_type} job takes {PARAMS[job_type].__name__}, not {type(params).__name__}")
    job = Job(
        id=job_id,
        project_id=project_id,
        shot_id=shot_id,
        type=job_type,
        after_job_id=after_job_id,
        params=params.model_dump(mode="json"),
        status_message=status_message,
    )
    if engine is not None:
        job.family, job.engine, job.engine_version = engine.family, engine.name, engine.version
    if created_at is not None:
        job.created_at = created_at
    return job


def job_dict(job: Job) -> dict[str, Any]:
    data = {name: getattr(job, name) for name in PUBLIC_FIELDS}
    data["job_id"] = job.id
    # Flattened for clients of the seed's /status (video_url, thumbnail_url, enhanced_prompt, actual_frames).
    for key in ("video_url", "url", "thumbnail_url", "enhanced_prompt", "actual_frames", "asset_id"):
        data[key] = job.outputs.get(key)
    data["cancel_requested"] = job.cancel_requested
    return data


def event_fields(job: Job) -> dict[str, Any]:
    """The fields every event about a job carries, so a client can route it (project, shot, type)."""
    return {"job_id": job.id, "shot_id": job.shot_id, "project_id": job.project_id, "type": job.type}


def claim_next(
    db: Database,
    exclude_families: frozenset[str] = frozenset(),
    *,
    ready_families: frozenset[str] | None = None,
    defer_s: float = 0.0,
) -> Job | None:
    """Take the oldest pending job (highest priority first) and mark it processing, atomically.

    `ready_families`: the model families this worker can start without loading weights (what it holds,
    and CPU engines). Given, jobs of those families come first (affinity: a warm worker takes its
    family's jobs), and a job of another family is taken only once it has waited `defer_s`, so a
    worker that already holds that family gets the first chance at it (delay scheduling)."""

    def write(session: Session) -> Job | None:
        # A job that waits for another (still first) is claimable once that one completed.
        parent = table_of(Job).alias("parent")
        waits_done = or_(
            col(Job.after_job_id).is_(None),
            col(Job.after_job_id).in_(select(parent.c.id).where(parent.c.status == JobStatus.completed)),
        )
        order = [col(Job.priority).desc(), col(Job.created_at), col(Job.id)]
        q = select(Job).where(col(Job.status) == JobStatus.pending, waits_done)
        if ready_families is not None:
            ready = col(Job.family).in_(ready_families) if ready_families else false()
            q = q.where(or_(ready, col(Job.created_at) <= utcnow() - timedelta(seconds=defer_s)))
            order.insert(0, case((ready, 0), else_=1))
        if exclude_families:
            q = q.where(col(Job.family).not_in(exclude_families))
        q = q.order_by(*order).limit(1)
        job = session.execute(q.with_for_update(skip_locked=True)).scalars().first()
        if job is None:
            return None
        # The guard on status makes the claim safe even with several worker processes.
        claimed = session.execute(
            update(Job)
            .where(col(Job.id) == job.id, col(Job.status) == JobStatus.pending)
            .values(status=JobStatus.processing, started_at=utcnow(), status_message="Queued job starting...")
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult; the stubs say Result
        if not claimed:
            return None
        session.refresh(job)
        return job

    return db.write(write)


def get_job(db: Database, job_id: str) -> Job:
    with db.read() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} does not exist")
        return job


def write_progress(db: Database, job_id: str, progress: float, message: str | None, eta: float | None) -> None:
    def write(session: Session) -> None:
        values: dict[str, Any] = {"progress": progress, "eta_seconds": eta}
        if message is not None:
            values["status_message"] = message
        session.execute(update(Job).where(col(Job.id) == job_id, col(Job.status) == JobStatus.processing).values(**values))

    db.write(write)


def cancel_requested(db: Database, job_id: str) -> bool:
    with db.read() as session:
        return bool(session.execute(select(col(Job.cancel_requested)).where(col(Job.id) == job_id)).scalar())


def request_cancel(db: Database, job_id: str) -> Job:
    """Seed §8. A pending job is cancelled at once (its shot goes back to pending); a running one is
    flagged and stops at its next step. Returns the row as it is now (cancelled, or still processing)."""

    def write(session: Session) -> Job:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} does not exist")
        if job.status in TERMINAL:
            raise Conflict(f"job {job_id!r} is already {job.status}; there is nothing to cancel", status=job.status)
        job.cancel_requested = True
        if job.status == JobStatus.pending:
            job.status, job.finished_at, job.status_message = JobStatus.cancelled, utcnow(), "Cancelled before it started"
            _release_shot(session, job, JobStatus.cancelled)
        else:
            job.status_message = "Cancelling..."
        session.flush()
        return job

    return db.write(write)


def _release_shot(session: Session, job: Job, outcome: JobStatus) -> None:
    """After a cancel or failure the shot leaves `generating`: back to pending, or completed if it has a take."""
    if not job.shot_id:
        return
    shot = session.get(Shot, job.shot_id)
    if shot is None or shot.last_job_id != job.id:
        return  # a newer job owns the shot now
    if shot.status in BUSY_SHOT:
        shot.status = (
            ShotStatus.completed if shot.video_url else ShotStatus.failed if outcome == JobStatus.failed else ShotStatus.pending
        )
        shot.updated_at = utcnow()


def finish(
    db: Database,
    job_id: str,
    status: JobStatus,
    *,
    outputs: JobOutputs | None = None,
    error: str | None = None,
    message: str | None = None,
    take: ShotTake | None = None,
    new_rows: list | None = None,
    writeback: Callable[[Session, Job], None] | None = None,
) -> Job | None:
    """Terminal transition of a running job. The take written back to the shot and the rows the job
    created (its assets) land in the same transaction, so a URL is never visible before its job completed.
    `writeback` adds a job type's own writes to that transaction (an element's new reference image).

    Only a `processing` row is finished: None (nothing written) when the row is gone (its project was
    deleted) or already ended (a cluster's reaper failed it while its worker was cut off, seed §5)."""
    if status not in TERMINAL:
        raise ValueError(f"finish() takes a terminal status, not {status!r}")

    def write(session: Session) -> Job | None:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.processing:
            return None  # deleted with its project, or already ended elsewhere: the row's outcome stands
        for row in new_rows or ():
            session.add(row)
        session.flush()  # the asset exists before the shot points at it (foreign keys are checked at once)
        job.status, job.finished_at, job.eta_seconds = status, utcnow(), None
        if status == JobStatus.completed:
            job.progress = 100.0
        if outputs is not None:
            job.outputs = {**job.outputs, **outputs.model_dump(mode="json", exclude_unset=True)}
        if error is not None:
            job.error = error
        job.status_message = (
            message
            or {JobStatus.completed: "Done", JobStatus.cancelled: "Cancelled", JobStatus.failed: error or "Failed"}[status]
        )
        if take is not None and job.shot_id:
            shot = session.get(Shot, job.shot_id)
            if shot is not None and shot.last_job_id == job.id:
                shot.media_asset_id, shot.video_url, shot.thumbnail_url = take.media_asset_id, take.video_url, take.thumbnail_url
                shot.engine, shot.actual_frames, shot.status = take.engine, take.actual_frames, ShotStatus.completed
                shot.updated_at = utcnow()
        elif status != JobStatus.completed:
            _release_shot(session, job, status)
        if writeback is not None and status == JobStatus.completed:
            writeback(session, job)
        session.flush()
        return job

    return db.write(write)


def linked_jobs(db: Database, job_id: str) -> list[str]:
    """Active jobs tied to this one by waiting (the still and the video of a still-first shot)."""
    with db.read() as session:
        job = session.get(Job, job_id)
        if job is None:
            return []
        ids = set(
            session.execute(select(col(Job.id)).where(col(Job.after_job_id) == job.id, col(Job.status).in_(ACTIVE))).scalars()
        )
        if job.after_job_id:
            parent = session.get(Job, job.after_job_id)
            if parent is not None and parent.status in ACTIVE:
                ids.add(parent.id)
        return sorted(ids)


def end_dependents(db: Database, job_id: str) -> list[Job]:
    """Jobs still waiting for a job that will never complete end too (cancelled with it, or failed)."""

    def write(session: Session) -> list[Job]:
        parent = session.get(Job, job_id)
        if parent is None or parent.status not in (JobStatus.failed, JobStatus.cancelled):
            return []
        ended = []
        for job in session.execute(
            select(Job).where(col(Job.after_job_id) == job_id, col(Job.status) == JobStatus.pending)
        ).scalars():
            job.status, job.finished_at = parent.status, utcnow()
            job.status_message = (
                "Cancelled with the still it waited for"
                if parent.status == JobStatus.cancelled
                else f"The still it waited for failed: {parent.error or 'failed'}"
            )
            if parent.status == JobStatus.failed:
                job.error = job.status_message
            _release_shot(session, job, parent.status)
            ended.append(job)
        session.flush()
        return ended

    return db.write(write)


def record_engine(db: Database, job_id: str, engine: str, engine_version: str) -> None:
    """The engine that actually runs the job (the one chosen at submit may have been re-selected since)."""
    db.write(
        lambda session: session.execute(
            update(Job).where(col(Job.id) == job_id).values(engine=engine, engine_version=engine_version)
        )
    )


def record_enhanced_prompt(db: Database, shot_id: str | None, job_id: str, enhanced_prompt: str) -> None:
    """Seed §1: the enhanced prompt goes on the shot as soon as it exists, while this job owns the shot."""
    if shot_id is None:
        return
    db.write(
        lambda session: session.execute(
            update(Shot)
            .where(col(Shot.id) == shot_id, col(Shot.last_job_id) == job_id)
            .values(enhanced_prompt=enhanced_prompt, updated_at=utcnow())
        )
    )


def active_job_ids(db: Database, project_id: str) -> list[str]:
    with db.read() as session:
        return list(
            session.execute(select(col(Job.id)).where(col(Job.project_id) == project_id, col(Job.status).in_(ACTIVE))).scalars()
        )


def list_jobs(db: Database, project_id: str, limit: int = 50) -> list[dict[str, Any]]:
    with db.read() as session:
        if session.get(Project, project_id) is None:
            raise NotFound(f"project {project_id!r} does not exist")
        rows = (
            session.execute(
                select(Job).where(col(Job.project_id) == project_id).order_by(col(Job.created_at).desc()).limit(limit)
            )
            .scalars()
            .all()
        )
        active = [j for j in rows if j.status not in TERMINAL]
        recent = [j for j in rows if j.status in TERMINAL]
        return [job_dict(j) for j in active + recent]
