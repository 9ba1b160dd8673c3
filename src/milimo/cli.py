"""Command line: `milimo serve | sam-service | generate | render | export | models | doctor`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


def _invalid(exc: ValidationError) -> int:
    """Say which settings or fields are wrong, one line each; the exit code for bad input."""
    for err in exc.errors():
        print(f"error: {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
    return 2


def _headless(job: Callable[[], int]) -> int:
    """Run a headless job command; a refused request is exit code 2 with the message, as the API's 4xx."""
    from pydantic import ValidationError

    from milimo.errors import StudioError

    try:
        return job()
    except StudioError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        return _invalid(exc)


def _data_dir_arg(parser: argparse.ArgumentParser, help: str = "the studio data dir (default ./data, MILIMO_DATA_DIR)") -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help=help)


def _quiet_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from milimo.app import create_app
    from milimo.config import Settings
    from milimo.exposure.guard import ExposureError, check_exposure

    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "data_dir": args.data_dir}.items() if v is not None}
    try:
        settings = Settings(**overrides)
        check_exposure(settings)
    except ValidationError as exc:
        return _invalid(exc)
    except ExposureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)

    class StudioServer(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            # Close SSE streams first: uvicorn waits for open responses before the lifespan shutdown.
            studio = getattr(app.state, "studio", None)
            if studio is not None:
                studio.bus.close()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level, timeout_graceful_shutdown=10
    )
    StudioServer(config).run()
    return 0


def _worker(args: argparse.Namespace) -> int:
    """A worker outside Ray: claims jobs from the PostgreSQL queue until SIGTERM/SIGINT."""
    import signal
    import threading

    from pydantic import ValidationError

    from milimo.app import configure_logging
    from milimo.cluster.node import WorkerNode
    from milimo.config import Settings
    from milimo.db.migrate import upgrade

    overrides = {k: v for k, v in {"data_dir": args.data_dir, "worker_name": args.name}.items() if v is not None}
    try:
        settings = Settings(**overrides)
        node = WorkerNode(settings, slots=args.slots)
    except ValidationError as exc:
        return _invalid(exc)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    upgrade(settings.db_url)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    node.start()
    print(f"milimo worker {node.name}: claiming jobs", file=sys.stderr, flush=True)
    stop.wait()
    node.stop()
    return 0


def _generate(args: argparse.Namespace) -> int:
    from milimo.headless import generate

    return _headless(
        lambda: generate(
            args.prompt,
            frames=args.frames,
            width=args.width,
            height=args.height,
            fps=args.fps,
            seed=args.seed,
            steps=args.steps,
            image=args.image,
            output=args.output,
            data_dir=args.data_dir,
            enhance=args.enhance,
            quiet=args.quiet,
        )
    )


def _render(args: argparse.Namespace) -> int:
    from milimo.render_cli import render

    return _headless(
        lambda: render(
            args.project,
            data_dir=args.data_dir,
            output=args.output,
            format=args.format,
            quality=args.quality,
            in_frame=args.in_frame,
            out_frame=args.out_frame,
            muted=args.mute,
            solo=args.solo,
            quiet=args.quiet,
        )
    )


def _models(args: argparse.Namespace) -> int:
    from milimo import models_cli

    if args.models_command == "list":
        return models_cli.list_models(args.data_dir)
    return models_cli.download(args.name, args.data_dir, quiet=args.quiet)


def _export(args: argparse.Namespace) -> int:
    from milimo.editorial.cli import export

    return export(args.project, args.format, args.output, args.data_dir)


def _sam_service(args: argparse.Namespace) -> int:
    from milimo.config import Settings
    from milimo.sam_service.server import NotLoopback, serve

    overrides = {k: v for k, v in {"data_dir": args.data_dir, "sam_port": args.port}.items() if v is not None}
    settings = Settings(**overrides)
    try:
        serve(settings, host=args.host)
    except NotLoopback as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from milimo import doctor

    return doctor.main(args.data_dir, args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="milimo", description="Milimo Video: a local-first AI film studio")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the studio (API, web app, workers)")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1, MILIMO_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000, MILIMO_PORT)")
    _data_dir_arg(serve, "where projects and the database live (default ./data, MILIMO_DATA_DIR)")
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="run jobs from the shared PostgreSQL queue (a cluster without Ray)")
    _data_dir_arg(worker, "the shared data dir (the same path on every node)")
    worker.add_argument("--name", default=None, help="name in GET /health (default host-pid, MILIMO_WORKER_NAME)")
    worker.add_argument("--slots", type=int, default=1, help="jobs this worker runs at once (one per GPU it owns)")
    worker.set_defaults(func=_worker)

    sam = sub.add_parser("sam-service", help="start the segmentation service (SAM 3 or the OpenCV draft engine), loopback only")
    sam.add_argument("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.1 or ::1; anything else is refused)")
    sam.add_argument("--port", type=int, default=None, help="port (default 8001, MILIMO_SAM_PORT)")
    _data_dir_arg(sam, "the studio's data dir: clips are read and masks written inside it")
    sam.set_defaults(func=_sam_service)

    gen = sub.add_parser("generate", help="generate one shot headless (the same job as POST /generate/advanced)")
    gen.add_argument("prompt")
    gen.add_argument("--frames", type=int, default=121, help="frames (snapped to the engine grid; 1 = a still)")
    gen.add_argument("--width", type=int, default=768)
    gen.add_argument("--height", type=int, default=512)
    gen.add_argument("--fps", type=float, default=24.0)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--steps", type=int, default=40)
    gen.add_argument("--image", type=Path, default=None, help="conditioning image at frame 0 (image-to-video)")
    gen.add_argument("--enhance", action="store_true", help="enhance the prompt with the text engine first")
    gen.add_argument("-o", "--output", type=Path, required=True, help="where to write the .mp4 (or .jpg for --frames 1)")
    _data_dir_arg(gen, "keep the job in this studio data dir (default: a temporary one)")
    _quiet_arg(gen)
    gen.set_defaults(func=_generate)

    ren = sub.add_parser("render", help="render a project's cut to a master file (the same job as POST /projects/{id}/render)")
    ren.add_argument("project", help="project id")
    ren.add_argument(
        "-o", "--output", type=Path, default=None, help="copy the master here (it also stays in the project's renders/)"
    )
    ren.add_argument(
        "--format", choices=["mp4", "prores"], default="mp4", help="H.264 + AAC .mp4 (default) or ProRes 422 HQ .mov"
    )
    ren.add_argument("--quality", choices=["draft", "standard", "high"], default="standard", help="H.264 quality")
    ren.add_argument("--in", dest="in_frame", type=int, default=None, help="first frame to render (default 0)")
    ren.add_argument("--out", dest="out_frame", type=int, default=None, help="first frame not rendered (default: the end)")
    ren.add_argument(
        "--mute", action="append", default=[], choices=["V1", "V2", "A1"], help="leave a track's sound out (repeatable)"
    )
    ren.add_argument(
        "--solo", action="append", default=[], choices=["V1", "V2", "A1"], help="only these tracks sound (repeatable)"
    )
    _data_dir_arg(ren)
    _quiet_arg(ren)
    ren.set_defaults(func=_render)

    models = sub.add_parser("models", help="the model library: list what is downloaded, download weights")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    listing = models_sub.add_parser("list", help="every model with its status, size and licence")
    fetch = models_sub.add_parser("download", help="download (or resume) one model into <data-dir>/models/<id>/")
    fetch.add_argument("name", help="model id, e.g. ltx2-distilled, gemma3-12b, flux2-klein-4b (see `milimo models list`)")
    _quiet_arg(fetch)
    _data_dir_arg(listing)
    _data_dir_arg(fetch)
    models.set_defaults(func=_models)

    exp = sub.add_parser("export", help="write a project's cut for an editor (OTIO, FCP XML, FCPXML, AAF, EDL, subtitles)")
    exp.add_argument("--project", required=True, help="project id")
    exp.add_argument("--format", required=True, choices=["otio", "otioz", "fcp7xml", "fcpxml", "aaf", "edl", "srt", "vtt"])
    exp.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    _data_dir_arg(exp)
    exp.set_defaults(func=_export)

    doc = sub.add_parser("doctor", help="what this machine has, which models fit in which memory mode, what to download")
    doc.add_argument("--json", action="store_true", help="the report as JSON")
    _data_dir_arg(doc)
    doc.set_defaults(func=_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
