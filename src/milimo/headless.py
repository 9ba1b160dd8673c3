"""`milimo generate`: the same job as POST /generate/advanced, run headless with a progress bar."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from milimo.config import Settings
from milimo.context import Studio
from milimo.errors import StudioError
from milimo.jobs.cancel import cancel_job
from milimo.studio import assets, generation, projects
from milimo.studio.generation_schemas import GenerateAdvanced, ShotConfig
from milimo.studio.schemas import ProjectCreate, TimelineItem


def _bar(progress: float, message: str, eta: float | None) -> str:
    filled = int(progress / 100 * 30)
    eta_text = f" eta {eta:4.0f}s" if eta is not None else ""
    return f"\r[{'#' * filled}{'.' * (30 - filled)}] {progress:5.1f}% {message[:48]:<48}{eta_text}"


def follow_job(studio: Studio, job_id: str, cursor: int, *, quiet: bool, on_complete: Callable[[dict[str, Any]], str]) -> int:
    """Follow a job's events after `cursor`, drawing a progress bar on stderr (unless quiet).

    Take `cursor` before submitting: the slots are running, the first event may come at once.
    On its complete event `on_complete` gets the event's data and returns the line to print on
    stdout; returns the exit code: 0 complete, 1 error or cancelled."""
    while True:
        events, _ = studio.bus.since(cursor)
        for ev in events:
            cursor = ev.id
            if ev.data.get("job_id") != job_id:
                continue
            if ev.type == "progress" and not quiet:
                print(
                    _bar(ev.data["progress"], ev.data.get("message", ""), ev.data.get("eta")), end="", file=sys.stderr, flush=True
                )
            elif ev.type == "complete":
                line = on_complete(ev.data)
                if not quiet:
                    print(_bar(100, "Done", None), file=sys.stderr)
                print(line)
                return 0
            elif ev.type in ("error", "cancelled"):
                print(f"\n{ev.type}: {ev.data.get('message')}", file=sys.stderr)
                return 1
        time.sleep(0.05)


def generate(
    prompt: str,
    *,
    frames: int,
    width: int,
    height: int,
    fps: float,
    seed: int,
    steps: int,
    image: Path | None,
    output: Path,
    data_dir: Path | None,
    enhance: bool,
    quiet: bool = False,
) -> int:
    temp = None
    if data_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="milimo-generate-")
        data_dir = Path(temp.name)
    settings = Settings(data_dir=data_dir, log_level="warning")
    studio = Studio(settings, slots=1)
    studio.start()  # seed §5 as `milimo serve` does it: zombies of an earlier run are recovered too
    job_id: str | None = None
    try:
        project = projects.create_project(
            studio.db, settings, ProjectCreate(name="Headless", resolution_w=width, resolution_h=height, fps=fps)
        )
        timeline = []
        if image is not None:
            with open(image, "rb") as f:
                asset = assets.upload_asset(studio.db, settings, project["id"], "reference", image.name, f)
            timeline = [TimelineItem(asset_id=asset["id"], frame_index=0, strength=1.0)]
        config = ShotConfig(
            prompt=prompt,
            num_frames=frames,
            width=width,
            height=height,
            fps=fps,
            seed=seed,
            num_inference_steps=steps,
            enhance_prompt=enhance,
            timeline=timeline,
        )
        cursor = studio.bus.last_id - 1  # before submitting: the slots are running, the first event may come at once
        queued = generation.submit_advanced(studio, GenerateAdvanced(project_id=project["id"], shot_config=config))
        job_id = queued["job_id"]
        for note in queued["adjustments"]:
            print(f"adjusted {note.field}: {note.requested} -> {note.used} ({note.reason})", file=sys.stderr)

        def deliver(data: dict[str, Any]) -> str:
            url = data.get("video_url") or data["url"]
            source = settings.project_dir(project["id"]) / url.split(f"/projects/{project['id']}/", 1)[1]
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, output)
            return f"{output} ({data.get('actual_frames')} frames, engine {data.get('engine')})"

        return follow_job(studio, job_id, cursor, quiet=quiet, on_complete=deliver)
    except KeyboardInterrupt:
        if job_id is not None:
            with contextlib.suppress(StudioError):  # it may have ended on its own meanwhile
                cancel_job(studio, job_id)
        return 130
    finally:
        studio.stop()
        if temp is not None:
            temp.cleanup()
