"""Conditioning: the shot's timeline items resolved to files of the project, and pipeline selection.

Items name an asset id or a server-issued media URL; both resolve to a path inside the
project's folder (never a path from the client). Pipeline auto-selection follows the seed:
any video -> ic_lora; images at the first and the last frame -> keyframe; otherwise ti2vid
(text-to-video, or image-to-video with an image at frame 0).
"""

from __future__ import annotations

from typing import cast

from sqlmodel import Session

from milimo.config import Settings
from milimo.db.models import Asset
from milimo.errors import Invalid
from milimo.jobs.params import ConditioningItem, Pipeline
from milimo.studio.paths import relative_to_project, resolve_media_url


def resolve_items(session: Session, settings: Settings, project_id: str, items: list[dict]) -> list[ConditioningItem]:
    """The shot's stored conditioning items (JSON) as files of the project; 422 naming the item otherwise."""
    resolved = []
    for n, item in enumerate(items):
        if not item.get("asset_id") and not item.get("url"):
            # e.g. reference_images: [""] (once a KeyError, a 500)
            raise Invalid(
                f"conditioning item {n} names neither an asset id nor a media URL; send an asset id of this "
                f"project or a URL the server issued",
                item=n,
            )
        if item.get("asset_id"):
            asset = session.get(Asset, item["asset_id"])
            if asset is None or asset.project_id != project_id:
                raise Invalid(f"timeline[{n}]: asset {item['asset_id']!r} is not an asset of this project; upload it first")
            rel, media_type = asset.rel_path, asset.media_type
        elif item.get("url"):
            path = resolve_media_url(settings, project_id, item["url"])
            rel = relative_to_project(settings, project_id, path)
            media_type = "video" if path.suffix.lower() in (".mp4", ".mov", ".webm", ".mkv", ".avi") else "image"
        else:
            raise Invalid(f"timeline[{n}] names no media: give an asset_id or a url the server issued")
        if media_type != item.get("type", "image"):
            raise Invalid(
                f"timeline[{n}] says type {item.get('type')!r} but the file is a {media_type}; set type to {media_type!r}"
            )
        resolved.append(
            ConditioningItem(
                rel_path=rel,
                frame_index=int(item.get("frame_index", 0)),
                strength=float(item.get("strength", 1.0)),
                type=media_type,
            )
        )
    return resolved


def select_pipeline(items: list[ConditioningItem], num_frames: int, override: str) -> Pipeline:
    """Seed §1 "Auto-detect pipeline type (ti2vid / ic_lora / keyframe)"."""
    if num_frames == 1:
        return "image"
    if override in ("ti2vid", "ic_lora", "keyframe"):
        return cast(Pipeline, override)
    if any(i.type == "video" for i in items):
        return "ic_lora"
    frames = {i.frame_index for i in items if i.type == "image"}
    if len(frames) >= 2 and 0 in frames and (num_frames - 1) in frames:
        return "keyframe"
    return "ti2vid"
