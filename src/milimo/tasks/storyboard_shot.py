"""One shot of a storyboard batch (seed §6): wait for the shot before it, continue from its last frame.

A batch is one job per shot in story order. Each waits for the job before it (jobs are claimed
oldest first, so the one it waits for is already running or done, whatever the slot count); a
predecessor that failed or was cancelled fails this job with a message that says so, instead of
silently generating an unconnected shot. Then the previous shot's finished take gives its last
frame at frame 0 (when submit chose continuity for this shot), and the shot runs as a video job.
"""

from __future__ import annotations

import time

from milimo.db.models import Job, Shot
from milimo.db.states import JobStatus
from milimo.errors import StudioError
from milimo.jobs.contract import TaskResult
from milimo.jobs.params import ConditioningItem, StoryboardShotParams
from milimo.jobs.run import JobRun
from milimo.studio.storyboard_generate import continuity_frame
from milimo.tasks.video import run_video

POLL_S = 0.2


class PredecessorFailed(StudioError):
    status_code = 424
    code = "predecessor_failed"


def _wait_for(run: JobRun, job_id: str) -> None:
    run.progress(0, "Waiting for the shot before it")
    while True:
        with run.services.db.read() as session:
            job = session.get(Job, job_id)
            status, shot_id = (job.status, job.shot_id) if job is not None else (JobStatus.cancelled, None)
        if status == JobStatus.completed:
            return
        if status in (JobStatus.failed, JobStatus.cancelled):
            raise PredecessorFailed(
                f"the shot before this one ({shot_id or job_id}) {status.value}, so this shot, which "
                "continues from it, was not generated; fix or regenerate that shot first"
            )
        run.check_cancel()
        time.sleep(POLL_S)


def run_storyboard_shot(run: JobRun, p: StoryboardShotParams) -> TaskResult:
    if p.after_job_id:
        _wait_for(run, p.after_job_id)
    video = p.video
    if p.continue_from_shot_id:
        with run.services.db.read() as session:
            prev = session.get(Shot, p.continue_from_shot_id)
            take = (prev.media_asset_id, prev.video_url) if prev is not None else (None, None)
        if take[1]:
            url = continuity_frame(run.services.settings, run.project_id, run.job.shot_id or "", take[0], take[1])
            rel = url.split(f"/projects/{run.project_id}/", 1)[1]
            items = [*video.conditioning, ConditioningItem(rel_path=rel, frame_index=0, strength=1.0, type="image")]
            video = video.model_copy(update={"conditioning": items})
            run.progress(1, "Continuing from the previous shot's last frame")
    return run_video(run, video)
