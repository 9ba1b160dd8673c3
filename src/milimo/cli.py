"""Command line: `milimo serve` (more subcommands arrive with their issues)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from milimo.app import create_app
    from milimo.config import Settings

    overrides = {k: v for k, v in {"host": args.host, "port": args.port, "data_dir": args.data_dir}.items() if v is not None}
    settings = Settings(**overrides)
    app = create_app(settings)

    class StudioServer(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            # Close SSE streams first: uvicorn waits for open responses before the lifespan shutdown.
            studio = getattr(app.state, "studio", None)
            if studio is not None:
                studio.bus.close()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            timeout_graceful_shutdown=10)
    StudioServer(config).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="milimo", description="Milimo Video: a local-first AI film studio")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the studio (API, web app, workers)")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1, MILIMO_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8000, MILIMO_PORT)")
    serve.add_argument("--data-dir", type=Path, default=None, help="where projects and the database live (default ./data, MILIMO_DATA_DIR)")
    serve.set_defaults(func=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
