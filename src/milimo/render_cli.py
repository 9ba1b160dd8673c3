"""`milimo render PROJECT`: the same job as POST /projects/{id}/render, run headless with a progress bar."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from milimo.config import Settings
from milimo.context import Studio
from milimo.errors import StudioError
from milimo.headless import _bar
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
        request = RenderRequest(format=format, quality=quality, in_frame=in_frame, out_frame=out_frame, muted=muted, solo=solo)
        cursor = studio.bus.last_id - 1
        queued = submit_render(studio, project_id, request)
        job_id = queued["job_id"]
        for warning in queued["warnings"]:
            print(f"warning: {warning}", file=sys.stderr)
        while True:
            events, _ = studio.bus.since(cursor)
            for ev in events:
                cursor = ev.id
                if ev.data.get("job_id") != job_id:
                    continue
                if ev.type == "progress" and not quiet:
                    print(
                        _bar(ev.data["progress"], ev.data.get("message", ""), ev.data.get("eta")),
                        end="",
                        file=sys.stderr,
                        flush=True,
                    )
                elif ev.type == "complete":
                    source = settings.project_dir(project_id) / ev.data["url"].split(f"/projects/{project_id}/", 1)[1]
                    if output is not None:
                        output.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(source, output)
                    if not quiet:
                        print(_bar(100, "Done", None), file=sys.stderr)
                    copied = ev.data.get("copied_frames") or 0
                    print(
                        f"{output or source} ({ev.data.get('actual_frames')} frames, {ev.data.get('format')}"
                        f"{f', {copied} copied' if copied else ''})"
                    )
                    return 0
                elif ev.type in ("error", "cancelled"):
                    print(f"\n{ev.type}: {ev.data.get('message')}", file=sys.stderr)
                    return 1
            time.sleep(0.05)
    except KeyboardInterrupt:
        if job_id is not None:
            with contextlib.suppress(StudioError):
                cancel_job(studio, job_id)
        return 130
    finally:
        studio.stop()
