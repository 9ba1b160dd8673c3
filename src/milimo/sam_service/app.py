"""The segmentation service's HTTP face: thin routes over service.SegmentationService.

No CORS: only the studio (a local process) calls this service. Two guards keep browsers out:
the Host header must name a loopback address (DNS rebinding), and every POST must carry the
`X-Milimo-Client` header, which a web page cannot add to a cross-origin request without a
CORS preflight that this service never grants.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import orjson
from fastapi import FastAPI, File, Form, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from milimo.config import Settings
from milimo.errors import StudioError
from milimo.sam_service.engine import SegmentEngine
from milimo.sam_service.prompts import Box, Labels, Points, Threshold
from milimo.sam_service.service import SegmentationService

CLIENT_HEADER = "x-milimo-client"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SessionId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
RelPath = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrackStart(_Body):
    video: RelPath = Field(description="the clip, relative to the data dir: projects/<id>/...")


class TrackPrompt(_Body):
    session_id: SessionId
    frame_idx: Annotated[int, Field(ge=0)] = 0
    obj_id: Annotated[int, Field(ge=1, le=1000)] = 1
    points: Points | None = None
    labels: Labels | None = None
    box: Box | None = None
    text: Text | None = None
    mask_threshold: Threshold = 0.5
    confidence: Threshold = 0.5


class TrackPropagate(_Body):
    session_id: SessionId
    direction: Literal["forward", "backward", "both"] = "forward"
    start_frame: Annotated[int, Field(ge=0)] = 0
    max_frames: Annotated[int, Field(ge=1)] | None = None
    output_dir: RelPath | None = Field(None, description="projects/<id>/masks/<folder>: write PNGs there instead of inline")
    mask_threshold: Threshold = 0.5


class TrackStop(_Body):
    session_id: SessionId


def create_service_app(settings: Settings | None = None, engine: SegmentEngine | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.sam = await asyncio.to_thread(SegmentationService.build, settings, engine)
        try:
            yield
        finally:
            app.state.sam.sessions.close_all()

    app = FastAPI(title="Milimo segmentation service", lifespan=lifespan, docs_url=None, redoc_url=None)
    _install_guards(app)
    _install_error_handlers(app)

    def sam(request: Request) -> SegmentationService:
        return request.app.state.sam

    @app.get("/health")
    def health(request: Request) -> dict:
        """Engine (sam3 | draft), version, open tracking sessions."""
        return sam(request).health()

    @app.post("/predict/mask", response_class=Response)
    def predict_mask(
        request: Request,
        image: Annotated[UploadFile, File()],
        points: Annotated[str | None, Form(description="JSON [[x, y], ...] in pixels")] = None,
        labels: Annotated[str | None, Form(description="JSON [1, 0, ...]: 1 object, 0 not")] = None,
        box: Annotated[str | None, Form(description="JSON [x0, y0, x1, y1] in pixels")] = None,
        mask_threshold: Annotated[Threshold, Form()] = 0.5,
    ) -> Response:
        """The object under the clicks / in the box, as a binary PNG (255 = selected)."""
        png, score = sam(request).predict_mask(image.file, points, labels, box, mask_threshold)
        return Response(
            png, media_type="image/png", headers={"x-mask-score": f"{score:.4f}", "x-engine": sam(request).engine.name}
        )

    @app.post("/segment/text", response_class=Response)
    def segment_text(
        request: Request,
        image: Annotated[UploadFile, File()],
        text: Annotated[Text, Form()],
        confidence: Annotated[Threshold, Form()] = 0.5,
        mask_threshold: Annotated[Threshold, Form()] = 0.5,
    ) -> Response:
        """Every instance of `text`, merged into one binary PNG (all black when nothing is found)."""
        png, count = sam(request).segment_text(image.file, text, confidence, mask_threshold)
        return Response(png, media_type="image/png", headers={"x-objects": str(count), "x-engine": sam(request).engine.name})

    @app.post("/detect")
    def detect(
        request: Request,
        image: Annotated[UploadFile, File()],
        text: Annotated[Text, Form()],
        confidence: Annotated[Threshold, Form()] = 0.5,
        mask_threshold: Annotated[Threshold, Form()] = 0.5,
        max_objects: Annotated[int, Form(ge=1, le=100)] = 20,
    ) -> dict:
        """Objects matching `text`: base64 binary PNG mask, bbox [x0, y0, x1, y1], score, label."""
        return sam(request).detect(image.file, text, confidence, mask_threshold, max_objects)

    @app.post("/track/start")
    def track_start(request: Request, body: TrackStart) -> dict:
        """Open a tracking session on a clip of the data dir."""
        return sam(request).track_start(body.video)

    @app.post("/track/prompt")
    def track_prompt(request: Request, body: TrackPrompt) -> dict:
        """Select an object on one frame by clicks, a box (or text, with SAM 3)."""
        return sam(request).track_prompt(
            body.session_id,
            body.frame_idx,
            body.obj_id,
            body.points,
            body.labels,
            body.box,
            body.text,
            body.mask_threshold,
            body.confidence,
        )

    @app.post("/track/propagate")
    def track_propagate(request: Request, body: TrackPropagate) -> StreamingResponse:
        """Carry the objects through the clip: NDJSON, one line per frame, then a summary line."""
        lines = sam(request).track_propagate(
            body.session_id, body.direction, body.start_frame, body.max_frames, body.output_dir, body.mask_threshold
        )
        return StreamingResponse((orjson.dumps(line) + b"\n" for line in lines), media_type="application/x-ndjson")

    @app.post("/track/stop")
    def track_stop(request: Request, body: TrackStop) -> dict:
        """Close a session and free its frames."""
        return sam(request).track_stop(body.session_id)

    return app


def _hostname(header: str) -> str:
    """'127.0.0.1:8001' -> '127.0.0.1', '[::1]:8001' -> '[::1]'."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _install_guards(app: FastAPI) -> None:
    @app.middleware("http")
    async def loopback_only(request: Request, call_next):
        if _hostname(request.headers.get("host", "")) not in LOOPBACK_HOSTS:
            return JSONResponse(
                {"detail": "the segmentation service answers only on loopback", "code": "forbidden"}, status_code=403
            )
        if request.method != "GET" and CLIENT_HEADER not in request.headers:
            return JSONResponse(
                {
                    "detail": f"the segmentation service answers only the studio (missing {CLIENT_HEADER} header)",
                    "code": "forbidden",
                },
                status_code=403,
            )
        return await call_next(request)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StudioError)
    async def studio_error(_: Request, exc: StudioError) -> Response:
        return Response(
            orjson.dumps({"detail": exc.message, "code": exc.code, **exc.extra}),
            status_code=exc.status_code,
            media_type="application/json",
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"detail": "; ".join(problems), "code": "invalid"}, status_code=422)
