"""`milimo render PROJECT`: the same job as POST /projects/{id}/render, run headless with a progress bar."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path
from typing import Any

from milimo.config import Settings
from milimo.context import Studio
from milimo.errors import StudioError
from milimo.headless import follow_job
from milimo.jobs.cancel import cancel_job
from milimo.render.submit import RenderRequest, submit_render


def render(
    project_id: str,
    *,
    data_dir: Path | None,
    output: Path | None,
    format: str,
    quality: str,
    in_frame: int | None,
    out_frame: int | None,
    muted: list[str],
    solo: list[str],
    quiet: bool = False,
) -> int:
    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir is not None else {}
    settings = Settings(log_level="warning", **overrides)
    studio = Studio(settings, slots=1)
    studio.start()
    job_id: str | None = None
    try:
        request = RenderRequest.model_validate(
            {"format": format, "quality": quality, "in_frame": in_frame, "out_frame": out_frame, "muted": muted, "solo": solo}
        )
        cursor = studio.bus.last_id - 1
        queued = submit_render(studio, project_id, request)
        job_id = queued["job_id"]
        for warning in queued["warnings"]:
            print(f"warning: {warning}", file=sys.stderr)

        def deliver(data: dict[str, Any]) -> str:
            source = settings.project_dir(project_id) / data["url"].split(f"/projects/{project_id}/", 1)[1]
            if output is not None:
                output.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, output)
            copied = data.get("copied_frames") or 0
            return f"{output or source} ({data.get('actual_frames')} frames, {data.get('format')}{f', {copied} copied' if copied else ''})"

        return follow_job(studio, job_id, cursor, quiet=quiet, on_complete=deliver)
    except KeyboardInterrupt:
        if job_id is not None:
            with contextlib.suppress(StudioError):
                cancel_job(studio, job_id)
        return 130
    finally:
        studio.stop()
