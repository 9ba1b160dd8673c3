"""The service's work, one function per route: decode, validate, call the engine, encode the answer.

Routes (app.py) only parse HTTP; everything here is plain Python that the tests and the
routes share. Paths from the studio are relative to the shared data dir and contained in its
projects/ folder; masks are written only under a project's masks/ folder, atomically.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from milimo.config import Settings
from milimo.errors import Conflict, Invalid, NotFound
from milimo.fsutil import atomic_path
from milimo.sam_service import images
from milimo.sam_service.engine import Direction, FrameMasks, SegmentEngine
from milimo.sam_service.prompts import GeometryPrompt, geometry, parse_form
from milimo.sam_service.sessions import Sessions, hold, load_frames

log = logging.getLogger("milimo.sam")
_MASK_DIR = re.compile(r"^projects/[A-Za-z0-9_-]{1,64}/masks/[A-Za-z0-9_-]{1,120}$")


def choose_engine(settings: Settings) -> tuple[SegmentEngine, str]:
    """(engine, reason): configured engine -> SAM 3 when its weights and the [models] extra are here -> draft."""
    from milimo.sam_service.draft import DraftSegmentEngine

    wanted = settings.segment_engine
    if wanted == "draft":
        return DraftSegmentEngine(), "configured: draft"
    from milimo.sam_service.sam3 import Sam3Engine, Sam3Unavailable

    try:
        engine = Sam3Engine.from_settings(settings)
    except Sam3Unavailable as exc:
        why = str(exc)
    else:
        return engine, f"SAM 3 weights found at {engine.weights}"
    if wanted == "sam3":
        return DraftSegmentEngine(), f"configured sam3 is not available ({why}); using the OpenCV draft engine"
    return DraftSegmentEngine(), f"{why}; using the OpenCV draft engine"


@dataclass
class SegmentationService:
    settings: Settings
    engine: SegmentEngine
    reason: str
    sessions: Sessions

    @classmethod
    def build(cls, settings: Settings, engine: SegmentEngine | None = None) -> SegmentationService:
        reason = "given"
        if engine is None:
            engine, reason = choose_engine(settings)
        log.info("segmentation engine: %s (%s)", engine.name, reason)
        return cls(settings, engine, reason, Sessions(settings.sam_max_sessions, settings.sam_session_idle_s))

    # ------------------------------------------------------------------ images
    def health(self) -> dict[str, Any]:
        from milimo import __version__

        return {
            "status": "ok",
            "engine": self.engine.name,
            "version": self.engine.version,
            "service": __version__,
            "reason": self.reason,
            "text_prompts": self.engine.name != "draft",
            "sessions": len(self.sessions),
            "max_sessions": self.sessions.max_sessions,
            **{k: v for k, v in self.engine.describe().items() if k not in ("engine", "version")},
        }

    def read_image(self, stream: BinaryIO) -> np.ndarray:
        data = images.read_capped(stream, self.settings.sam_max_image_bytes)
        return images.decode_image(data, self.settings.sam_max_image_pixels)

    def predict_mask(
        self, stream: BinaryIO, points: str | None, labels: str | None, box: str | None, mask_threshold: float
    ) -> tuple[bytes, float]:
        image = self.read_image(stream)
        prompt = parse_form(points, labels, box, image.shape[1], image.shape[0])
        mask, score = self.engine.predict_mask(image, prompt, mask_threshold=mask_threshold)
        return images.mask_png(mask), score

    def segment_text(self, stream: BinaryIO, text: str, confidence: float, mask_threshold: float) -> tuple[bytes, int]:
        image = self.read_image(stream)
        found = self.engine.detect(image, text, confidence=confidence, mask_threshold=mask_threshold, max_objects=100)
        merged = np.zeros(image.shape[:2], bool)
        for d in found:
            merged |= d.mask
        return images.mask_png(merged), len(found)

    def detect(self, stream: BinaryIO, text: str, confidence: float, mask_threshold: float, max_objects: int) -> dict[str, Any]:
        image = self.read_image(stream)
        found = self.engine.detect(image, text, confidence=confidence, mask_threshold=mask_threshold, max_objects=max_objects)
        objects = [
            {
                "id": n + 1,
                "mask": images.mask_b64(d.mask),
                "bbox": [round(v, 1) for v in d.box],
                "score": round(float(d.score), 4),
                "label": d.label,
                "area": int(d.mask.sum()),
            }
            for n, d in enumerate(found)
        ]
        return {
            "objects": objects,
            "count": len(objects),
            "prompt": text,
            "width": int(image.shape[1]),
            "height": int(image.shape[0]),
            "engine": self.engine.name,
        }

    # ------------------------------------------------------------------ tracking
    def data_path(self, relative: str) -> Path:
        """A path the studio sent: relative to the data dir, inside projects/. NotFound (404) otherwise."""
        if (
            not relative.startswith("projects/")
            or "\x00" in relative
            or "\\" in relative
            or any(part.startswith(".") or not part for part in relative.split("/"))
        ):
            raise NotFound("no such file")
        root = os.path.realpath(self.settings.data_dir / "projects")
        target = os.path.realpath(os.path.join(os.path.realpath(self.settings.data_dir), relative))
        if target == root or os.path.commonpath([root, target]) != root:  # symlinks out of projects/ too
            raise NotFound("no such file")
        return Path(target)

    def track_start(self, video: str) -> dict[str, Any]:
        path = self.data_path(video)
        if not path.is_file():
            raise NotFound(f"{video!r} does not exist")
        self.sessions.reserve()
        frames, fps = load_frames(path, self.settings.sam_max_video_frames, self.settings.sam_max_video_bytes)
        session = self.sessions.open(video, frames, fps, self.engine.tracker(frames))
        return {
            "session_id": session.id,
            "status": "started",
            "fps": fps,
            "num_frames": len(frames),
            "width": session.width,
            "height": session.height,
            "engine": session.tracker.name,
        }

    def track_prompt(
        self,
        session_id: str,
        frame_idx: int,
        obj_id: int,
        points: list | None,
        labels: list | None,
        box: list | None,
        text: str | None,
        mask_threshold: float,
        confidence: float,
    ) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if not 0 <= frame_idx < len(session.frames):
            raise Invalid(f"frame_idx {frame_idx} is outside the clip (0..{len(session.frames) - 1})")
        prompt: GeometryPrompt | None = None
        if points or box:
            prompt = geometry(points, labels, box, session.width, session.height)
        elif not text:
            raise Invalid("give points, a box or a text prompt")
        with hold(session):
            result = session.tracker.add_prompt(
                frame_idx, obj_id, prompt, text, mask_threshold=mask_threshold, confidence=confidence
            )
        return {"status": "prompt_added", "session_id": session_id, "frame_idx": frame_idx, **_frame_json(result, None)}

    def output_dir(self, relative: str) -> Path:
        if not _MASK_DIR.match(relative):
            raise Invalid(f"output_dir {relative!r} must be projects/<project>/masks/<folder>")
        path = self.data_path(relative)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def track_propagate(
        self,
        session_id: str,
        direction: Direction,
        start_frame: int,
        max_frames: int | None,
        output_dir: str | None,
        mask_threshold: float,
    ) -> Iterator[dict[str, Any]]:
        """Validate now (errors become a status code), then yield one dict per frame and a final summary."""
        session = self.sessions.get(session_id)
        if not 0 <= start_frame < len(session.frames):
            raise Invalid(f"start_frame {start_frame} is outside the clip (0..{len(session.frames) - 1})")
        folder = self.output_dir(output_dir) if output_dir else None
        if session.lock.locked():
            raise Conflict(f"tracking session {session.id} is busy with another request; wait for it to finish")

        def frames() -> Iterator[dict[str, Any]]:
            if not session.lock.acquire(blocking=False):  # lost a race with another call since the check above
                yield {"status": "error", "detail": f"tracking session {session.id} is busy; try again"}
                return
            count = 0
            try:  # a dropped stream closes this generator, which releases the session
                for fm in session.tracker.propagate(start_frame, direction, max_frames, mask_threshold=mask_threshold):
                    if session.closed.is_set():  # POST /track/stop while this ran: stop computing frames
                        yield {"status": "stopped", "session_id": session_id, "frame_count": count}
                        return
                    session.last_used = self.sessions.clock()
                    count += 1
                    yield {"frame_idx": fm.frame_idx, **_frame_json(fm, folder)}
                yield {
                    "status": "complete",
                    "session_id": session_id,
                    "engine": session.tracker.name,
                    "direction": direction,
                    "frame_count": count,
                    "output_dir": output_dir,
                    "video": session.video,
                }
            finally:
                session.lock.release()

        return frames()

    def track_stop(self, session_id: str) -> dict[str, Any]:
        if not self.sessions.close(session_id):
            raise NotFound(f"tracking session {session_id!r} is not open")
        return {"status": "closed", "session_id": session_id}


def _frame_json(fm: FrameMasks, folder: Path | None) -> dict[str, Any]:
    objects = {}
    for oid, mask in fm.masks.items():
        entry: dict[str, Any] = {
            "score": round(float(fm.scores.get(oid, 0.0)), 4),
            "bbox": images.bbox(mask),
            "area": int(mask.sum()),
        }
        png = images.mask_png(mask)
        if folder is None:
            entry["mask"] = base64.b64encode(png).decode("ascii")
        else:
            name = f"frame_{fm.frame_idx:05d}_obj_{oid}.png"
            with atomic_path(folder / name) as tmp:
                tmp.write_bytes(png)
            entry["file"] = name
        objects[str(oid)] = entry
    return {"objects": objects, "object_ids": sorted(fm.masks), "engine": fm.engine}
