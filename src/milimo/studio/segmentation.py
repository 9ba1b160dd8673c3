"""Masks for the studio (seed §3): images and clips of a project go to the segmentation service, masks come back as assets.

Every call is async over httpx with bounded timeouts, so a slow or dead service never holds
the event loop; file reads and writes run in threads. Sources are named by asset id or by a
media URL the server issued (studio/paths.py), never by a path. Masks are saved as
`masks/{base}_mask_{uuid6}.png` (atomically) and registered as Asset rows of kind "mask";
a tracked object becomes a folder of per-frame PNGs plus a manifest, registered as one asset
of kind "mask_sequence". The service down is a 503 that says how to start it.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset
from milimo.errors import Invalid, StudioError, TooLarge, Unavailable
from milimo.fsutil import atomic_path
from milimo.studio.assets import asset_dict
from milimo.studio.ids import new_id
from milimo.studio.paths import (
    contained,
    media_url,
    relative_to_project,
    resolve_media_url,
)
from milimo.studio.versions import require_project

CLIENT_HEADERS = {"x-milimo-client": "studio"}
CONNECT_TIMEOUT_S = 3.0


class ServiceRefused(StudioError):
    """The service answered with an error; its status and message reach the client unchanged (5xx become 502)."""

    def __init__(self, status: int, message: str, code: str = "segmentation_failed", **extra: Any) -> None:
        super().__init__(message, **extra)
        self.status_code = status if 400 <= status < 500 or status == 501 else 502
        self.code = code


@dataclass(frozen=True)
class Source:
    """A project's image or clip, resolved to its file."""

    path: Path
    asset_id: str | None
    url: str
    media_type: str


def _down(settings: Settings) -> Unavailable:
    return Unavailable(
        f"the segmentation service at {settings.sam_url} is not running; start it with "
        f"`milimo sam-service` (or `make run`) — everything else in the studio keeps working",
        service="sam",
    )


def resolve_source(db: Database, settings: Settings, project_id: str, asset_id: str | None, url: str | None) -> Source:
    """Asset id or issued URL -> a file of this project. 422 when it is neither, or belongs elsewhere."""
    with db.read() as session:
        require_project(session, project_id)
        if asset_id:
            asset = session.get(Asset, asset_id)
            if asset is None or asset.project_id != project_id:
                raise Invalid(f"asset {asset_id!r} is not an asset of this project")
            return Source(contained(settings.project_dir(project_id), asset.rel_path), asset.id, asset.url, asset.media_type)
    if not url:
        raise Invalid("name the image by asset_id or by a url the server issued")
    path = resolve_media_url(settings, project_id, url)
    kind = "video" if path.suffix.lower() in (".mp4", ".mov", ".webm", ".mkv", ".avi") else "image"
    return Source(path, None, media_url(project_id, relative_to_project(settings, project_id, path)), kind)


def _client(settings: Settings, read_s: float | None = None) -> httpx.AsyncClient:
    timeout = httpx.Timeout(read_s or settings.sam_timeout_s, connect=CONNECT_TIMEOUT_S)
    return httpx.AsyncClient(base_url=settings.sam_url, timeout=timeout, headers=CLIENT_HEADERS)


def _refused(response: httpx.Response) -> ServiceRefused:
    try:
        body = response.json()
        message, code = str(body.get("detail")), str(body.get("code") or "segmentation_failed")
    except ValueError:
        message, code = response.text[:500] or f"HTTP {response.status_code}", "segmentation_failed"
    if response.status_code >= 500 and response.status_code != 501:
        message = f"the segmentation service failed: {message}"
    return ServiceRefused(response.status_code, message, code)


async def call(settings: Settings, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the service; 503 when it cannot be reached, its own 4xx passed on."""
    try:
        async with _client(settings) as client:
            response = await client.request(method, path, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout):
        raise _down(settings) from None
    except httpx.TimeoutException:
        raise Unavailable(
            f"the segmentation service did not answer within {settings.sam_timeout_s:.0f} s "
            "(MILIMO_SAM_TIMEOUT_S); it may still be loading its model",
            service="sam",
        ) from None
    except httpx.HTTPError as exc:
        raise Unavailable(f"the segmentation service dropped the request ({exc})", service="sam") from None
    if response.status_code >= 400:
        raise _refused(response)
    return response


async def status(settings: Settings) -> dict[str, Any]:
    """up (SAM 3), draft (OpenCV) or down, for the header next to the engines."""
    try:
        body = (await call(settings, "GET", "/health")).json()
    except StudioError as exc:
        return {"state": "down", "engine": None, "version": None, "url": settings.sam_url, "reason": exc.message}
    return {
        "state": "draft" if body.get("engine") == "draft" else "up",
        "engine": body.get("engine"),
        "version": body.get("version"),
        "url": settings.sam_url,
        "reason": body.get("reason", ""),
        "text_prompts": bool(body.get("text_prompts")),
    }


# ----------------------------------------------------------------------------- images


async def _image_upload(settings: Settings, source: Source) -> dict[str, tuple[str, bytes, str]]:
    if source.media_type != "image":
        raise Invalid(f"{source.url} is a {source.media_type}; masks are made on stills (use a frame of the clip, or tracking)")
    size = source.path.stat().st_size
    if size > settings.sam_max_image_bytes:
        raise TooLarge(
            f"the image is {size} bytes; the segmentation service takes at most {settings.sam_max_image_bytes} "
            "(MILIMO_SAM_MAX_IMAGE_BYTES)"
        )
    data = await asyncio.to_thread(source.path.read_bytes)
    return {"image": (source.path.name, data, "application/octet-stream")}


def _mask_name(source: Source) -> str:
    return f"{source.path.stem[:80]}_mask_{uuid.uuid4().hex[:6]}.png"


def _register_mask(
    db: Database,
    settings: Settings,
    project_id: str,
    name: str,
    png: bytes,
    engine: str,
    meta: dict[str, Any],
    kind: str = "mask",
) -> dict[str, Any]:
    """Write the PNG atomically under masks/ and add its Asset row; the file goes if the row cannot be written."""
    with Image.open(io.BytesIO(png)) as im:
        width, height = im.size
    final = settings.project_dir(project_id) / "masks" / name
    with atomic_path(final) as tmp:
        tmp.write_bytes(png)
    rel = f"masks/{name}"
    url = media_url(project_id, rel)
    asset = Asset(
        id=new_id(),
        project_id=project_id,
        kind=kind,
        media_type="image",
        rel_path=rel,
        url=url,
        thumbnail_url=url,
        filename=name,
        mime="image/png",
        size_bytes=len(png),
        width=width,
        height=height,
        engine=engine,
        meta=meta,
    )

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        session.add(asset)
        session.flush()
        return asset_dict(asset)

    try:
        return db.write(write)
    except BaseException:
        final.unlink(missing_ok=True)
        raise


def _source_meta(source: Source) -> dict[str, Any]:
    return {"source_asset_id": source.asset_id, "source_url": source.url}


async def segment(
    db: Database,
    settings: Settings,
    project_id: str,
    source: Source,
    points: list | None,
    labels: list | None,
    box: list | None,
    mask_threshold: float,
) -> dict[str, Any]:
    """Clicks and/or a box -> /predict/mask -> a mask asset."""
    form = {"mask_threshold": str(mask_threshold)}
    for key, value in (("points", points), ("labels", labels), ("box", box)):
        if value is not None:
            form[key] = json.dumps(value)
    response = await call(settings, "POST", "/predict/mask", files=await _image_upload(settings, source), data=form)
    score = float(response.headers.get("x-mask-score", "0") or 0)
    engine = response.headers.get("x-engine", "")
    meta = {**_source_meta(source), "points": points, "labels": labels, "box": box, "score": score}
    asset = await asyncio.to_thread(_register_mask, db, settings, project_id, _mask_name(source), response.content, engine, meta)
    return {"asset": asset, "url": asset["url"], "score": score, "engine": engine}


async def segment_text(
    db: Database, settings: Settings, project_id: str, source: Source, text: str, confidence: float, mask_threshold: float
) -> dict[str, Any]:
    """Every instance of `text` merged into one mask asset (/segment/text)."""
    response = await call(
        settings,
        "POST",
        "/segment/text",
        files=await _image_upload(settings, source),
        data={"text": text, "confidence": str(confidence), "mask_threshold": str(mask_threshold)},
    )
    engine = response.headers.get("x-engine", "")
    count = int(response.headers.get("x-objects", "0") or 0)
    meta = {**_source_meta(source), "text": text, "confidence": confidence, "objects": count}
    asset = await asyncio.to_thread(_register_mask, db, settings, project_id, _mask_name(source), response.content, engine, meta)
    return {"asset": asset, "url": asset["url"], "objects": count, "engine": engine}


async def detect(
    db: Database,
    settings: Settings,
    project_id: str,
    source: Source,
    text: str,
    confidence: float,
    mask_threshold: float,
    max_objects: int,
) -> dict[str, Any]:
    """Objects matching `text`, best first, each saved as its own mask asset to pick from."""
    response = await call(
        settings,
        "POST",
        "/detect",
        files=await _image_upload(settings, source),
        data={
            "text": text,
            "confidence": str(confidence),
            "mask_threshold": str(mask_threshold),
            "max_objects": str(max_objects),
        },
    )
    body = response.json()
    objects = []
    for obj in body.get("objects", []):
        meta = {**_source_meta(source), "text": text, "label": obj["label"], "score": obj["score"], "bbox": obj["bbox"]}
        asset = await asyncio.to_thread(
            _register_mask,
            db,
            settings,
            project_id,
            _mask_name(source),
            base64.b64decode(obj["mask"]),
            body.get("engine", ""),
            meta,
        )
        objects.append(
            {
                "asset": asset,
                "url": asset["url"],
                "bbox": obj["bbox"],
                "score": obj["score"],
                "label": obj["label"],
                "area": obj.get("area", 0),
            }
        )
    return {"objects": objects, "count": len(objects), "prompt": text, "engine": body.get("engine", "")}


# ----------------------------------------------------------------------------- tracking


async def track_start(settings: Settings, project_id: str, source: Source) -> dict[str, Any]:
    if source.media_type != "video":
        raise Invalid(f"{source.url} is a {source.media_type}; tracking needs a clip")
    # the service shares the data dir and takes paths relative to it (it refuses anything outside projects/)
    video = os.path.relpath(source.path, os.path.realpath(settings.data_dir)).replace(os.sep, "/")
    body = (await call(settings, "POST", "/track/start", json={"video": video})).json()
    body.pop("status", None)
    return {**body, "project_id": project_id, "video_url": source.url, "video_asset_id": source.asset_id}


async def track_prompt(settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    return (await call(settings, "POST", "/track/prompt", json=body)).json()


async def track_stop(settings: Settings, session_id: str) -> dict[str, Any]:
    return (await call(settings, "POST", "/track/stop", json={"session_id": session_id})).json()


async def track_propagate(
    db: Database,
    settings: Settings,
    project_id: str,
    session_id: str,
    direction: str,
    start_frame: int,
    max_frames: int | None,
    mask_threshold: float,
) -> AsyncIterator[dict[str, Any]]:
    """Open the service's NDJSON stream (errors are raised here, before any byte is sent) and relay it frame by frame.

    The service writes each frame's PNGs into masks/track_{session}_{uuid6}/; each relayed line
    carries their URLs. The last line carries the mask_sequence asset. A stream that is dropped
    or fails half-way leaves no folder behind.
    """
    with db.read() as session:
        require_project(session, project_id)
    folder_name = f"track_{session_id}_{uuid.uuid4().hex[:6]}"
    folder = settings.project_dir(project_id) / "masks" / folder_name
    stack = AsyncExitStack()
    client = await stack.enter_async_context(_client(settings, read_s=settings.sam_timeout_s))
    body = {
        "session_id": session_id,
        "direction": direction,
        "start_frame": start_frame,
        "max_frames": max_frames,
        "mask_threshold": mask_threshold,
        "output_dir": f"projects/{project_id}/masks/{folder_name}",
    }
    try:
        response = await stack.enter_async_context(client.stream("POST", "/track/propagate", json=body))
        if response.status_code >= 400:
            await response.aread()
            raise _refused(response)
    except (httpx.ConnectError, httpx.ConnectTimeout):
        await stack.aclose()
        raise _down(settings) from None
    except BaseException:
        await stack.aclose()
        raise
    return _relay(db, settings, project_id, session_id, direction, folder, folder_name, response, stack)


async def _relay(
    db: Database,
    settings: Settings,
    project_id: str,
    session_id: str,
    direction: str,
    folder: Path,
    folder_name: str,
    response: httpx.Response,
    stack: AsyncExitStack,
) -> AsyncIterator[dict[str, Any]]:
    deadline = time.monotonic() + settings.sam_track_timeout_s
    frames: list[dict[str, Any]] = []
    done = False
    try:
        async for line in response.aiter_lines():
            if not line:
                continue
            if time.monotonic() > deadline:
                yield {
                    "status": "error",
                    "detail": f"tracking took longer than {settings.sam_track_timeout_s:.0f} s (MILIMO_SAM_TRACK_TIMEOUT_S)",
                }
                return
            item = json.loads(line)
            if "frame_idx" in item:
                for obj in item["objects"].values():
                    obj["url"] = media_url(project_id, f"masks/{folder_name}/{obj.pop('file')}")
                frames.append({"frame_idx": item["frame_idx"], "objects": item["objects"]})
                yield item
            elif item.get("status") == "complete":
                asset = await asyncio.to_thread(
                    _register_sequence,
                    db,
                    settings,
                    project_id,
                    session_id,
                    direction,
                    folder,
                    folder_name,
                    frames,
                    item.pop("video", None),
                    item.get("engine"),
                )
                done = True
                yield {**item, "output_dir": None, "asset": asset}
            else:
                yield item
    except httpx.HTTPError as exc:
        yield {"status": "error", "detail": f"the segmentation service dropped the stream ({exc})"}
    finally:
        await stack.aclose()
        if not done:
            await asyncio.to_thread(shutil.rmtree, folder, True)


def _clip_asset(db: Database, project_id: str, video: str | None) -> dict[str, Any]:
    """The project's video asset whose file the service tracked ({} when it names none of them)."""
    prefix = f"projects/{project_id}/"
    if not video or not video.startswith(prefix):
        return {}
    rel = video[len(prefix) :]
    with db.read() as session:
        found = (
            session.execute(select(Asset).where(col(Asset.project_id) == project_id, col(Asset.rel_path) == rel))
            .scalars()
            .first()
        )
        if found is None:
            return {"source_url": media_url(project_id, rel), "source_asset_id": None}
        return {"source_url": found.url, "source_asset_id": found.id, "source_fps": found.fps}


def _register_sequence(
    db: Database,
    settings: Settings,
    project_id: str,
    session_id: str,
    direction: str,
    folder: Path,
    folder_name: str,
    frames: list[dict[str, Any]],
    video: str | None,
    engine: str | None,
) -> dict[str, Any]:
    """manifest.json (frame -> object -> mask file) and one Asset row for the whole sequence.

    `engine` is the tracker that made the masks ("sam3" | "draft"), as the service's summary names it.

    `video` is the clip's path relative to the data dir, as the service opened it; the sequence's
    meta names the clip's asset (`source_asset_id`, `source_url`) so the player can lay it over that clip.
    """
    frames = sorted(frames, key=lambda f: f["frame_idx"])
    source = _clip_asset(db, project_id, video)
    objects = sorted({int(oid) for f in frames for oid in f["objects"]})
    manifest = {
        "session_id": session_id,
        "direction": direction,
        "engine": engine,
        "objects": objects,
        "frames": [
            {
                "frame_idx": f["frame_idx"],
                "masks": {oid: o["url"].rsplit("/", 1)[-1] for oid, o in f["objects"].items()},
                "scores": {oid: o["score"] for oid, o in f["objects"].items()},
            }
            for f in frames
        ],
    }
    data = json.dumps(manifest).encode()
    with atomic_path(folder / "manifest.json") as tmp:
        tmp.write_bytes(data)
    rel = f"masks/{folder_name}/manifest.json"
    first = next((o["url"] for f in frames for o in f["objects"].values()), None)
    asset = Asset(
        id=new_id(),
        project_id=project_id,
        kind="mask_sequence",
        media_type="image",
        rel_path=rel,
        url=media_url(project_id, rel),
        thumbnail_url=first,
        filename=folder_name,
        mime="application/json",
        size_bytes=len(data),
        num_frames=len(frames),
        engine=engine,
        meta={
            "session_id": session_id,
            "direction": direction,
            "objects": objects,
            "first_frame": frames[0]["frame_idx"] if frames else None,
            "last_frame": frames[-1]["frame_idx"] if frames else None,
            **source,
        },
    )

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        session.add(asset)
        session.flush()
        return asset_dict(asset)

    return db.write(write)
