"""FastAPI factory and lifespan: the startup sequence of seed §5, and a graceful shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from milimo import __version__
from milimo.api import (
    assets,
    edit,
    editorial,
    elements,
    engines,
    events,
    generation,
    health,
    login,
    media,
    models,
    projects,
    render,
    shots,
    storyboard,
    takes,
    tokens,
)
from milimo.config import Settings
from milimo.context import Studio
from milimo.errors import StudioError
from milimo.exposure import limits, openapi_errors
from milimo.exposure.guard import Guard, check_exposure

log = logging.getLogger("milimo")
SWITCH_INTERVAL_S = 0.001  # sys.setswitchinterval while the app runs (_interpreter_tuned)
FULL_COLLECTION_AFTER = 100  # gen-1 collections between full ones while the app runs (default 10)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@contextmanager
def _interpreter_tuned() -> Iterator[None]:
    """The interpreter's collector and GIL set for a server that answers small requests while big ones
    (a 2,000-shot save) run in other threads. Undone at shutdown, so a process that builds many apps
    (tests) gets its defaults back and frees them."""
    # What start-up made (modules, schemas, routes, engines) lives as long as the server: moved out of
    # the collector's reach, a full collection no longer walks it mid-request (the SSE bench's
    # first-second stall). No collection first: it would cost ~0.3 s a start with the ML stack imported.
    gc.freeze()
    # A full collection walks every live object with the GIL held: ~20 ms in the middle of a save, which
    # made one after every ~2 saves (gen-1 collections come ~7 a save). Here one after 100 gen-1
    # collections instead of 10 (30 saves in-process: 18 full collections before, 1 after).
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], FULL_COLLECTION_AFTER)
    # A thread that wants the GIL waits for the holder's switch interval first (5 ms by default): a GET
    # on the event loop, which takes the GIL a few times per request, queued 3-4 such waits behind a
    # save's writer thread (GET p50 16 ms during back-to-back saves, bench_projects). 1 ms bounds each
    # wait; the extra hand-overs happen only while two threads both want to run Python.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(switch_interval)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Seed §5 (Studio.start), then the routes serve; seed §8 (Studio.stop) when the server stops.
        configure_logging(settings.log_level)
        studio = Studio(settings)
        await asyncio.to_thread(studio.start, asyncio.get_running_loop())
        app.state.studio = studio
        with _interpreter_tuned():
            log.info(
                "Milimo Video %s on %s (data: %s, database: %s)", __version__, settings.port, settings.data_dir, settings.db_kind
            )
            try:
                yield
            finally:
                await asyncio.to_thread(studio.stop)

    app = FastAPI(
        title="Milimo Video",
        version=__version__,
        lifespan=lifespan,
        description="Local-first AI film studio: screenplay → shots → video → timeline → export.",
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["content-range", "etag"],
    )
    _install_error_handlers(app)
    _install_exposure(app, settings)
    for module in (
        health,
        projects,
        shots,
        assets,
        elements,
        generation,
        events,
        media,
        engines,
        models,
        takes,
        tokens,
        editorial,
        edit,
        storyboard,
        render,
    ):
        app.include_router(module.router)
    if settings.web_dist.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dist, html=True), name="web")
    return app


def _install_exposure(app: FastAPI, settings: Settings) -> None:
    """Login routes, body limits, the guard, the true error schema in OpenAPI (milimo.exposure).
    Middleware added last runs first: the guard is outermost."""
    check_exposure(settings)
    app.include_router(login.router)
    app.add_middleware(limits.BodyLimit, settings=settings)
    app.add_middleware(Guard, settings=settings)
    openapi_errors.install(app)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StudioError)
    async def studio_error(_: Request, exc: StudioError) -> Response:
        body = orjson.dumps({"detail": exc.message, "code": exc.code, **exc.extra}, option=orjson.OPT_UTC_Z)
        return Response(body, status_code=exc.status_code, media_type="application/json")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence per problem, plus FastAPI's structured list for programs.
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(problems), "code": "invalid", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "code": "http_error"}, status_code=exc.status_code, headers=exc.headers)
