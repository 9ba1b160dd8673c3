"""A frame of a clip as a still of the project (seed §3: the Mask editor opens on a frame of a clip).

The frame is decoded from the video asset's own file (0-based, display order, at the video's own
rate), written atomically as a JPEG under `assets/frames/`, and registered as an Asset of kind
"frame" whose meta names the clip and the frame. The caller runs this off the event loop.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlmodel import Session

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset
from milimo.errors import Invalid
from milimo.fsutil import remove_quietly
from milimo.media import MediaError, iter_frames, probe, save_jpeg
from milimo.studio.assets import asset_dict, asset_file, require_project_asset
from milimo.studio.ids import new_id
from milimo.studio.paths import media_url
from milimo.studio.versions import require_project

FRAMES_FOLDER = "assets/frames"
FRAME_QUALITY = 95  # a plate to mask and inpaint: keep it close to the decoded picture


def frame_as_still(db: Database, settings: Settings, project_id: str, asset_id: str, frame: int) -> dict[str, Any]:
    """Frame `frame` of video asset `asset_id` -> a new image Asset. 404/422 before anything is written."""
    with db.read() as session:
        clip = require_project_asset(session, project_id, asset_id)
        if clip.media_type != "video":
            raise Invalid(f"asset {asset_id!r} is a {clip.media_type}; frames are taken from videos")
        source = asset_file(settings, clip)
        clip_url, clip_name = clip.url, clip.filename
    total = probe(source).num_frames
    if not 0 <= frame < total:
        raise Invalid(f"frame {frame} is outside the clip (0..{total - 1})", field="frame")
    picture = next(iter_frames(source, frame, 1), None)
    if picture is None:  # the container promised more frames than it holds
        raise MediaError(f"{clip_name}: frame {frame} could not be decoded")

    height, width = picture.shape[:2]
    name = f"{Path(clip_name).stem[:60]}_f{frame:05d}_{uuid.uuid4().hex[:6]}.jpg"
    rel = f"{FRAMES_FOLDER}/{name}"
    final = settings.project_dir(project_id) / rel
    save_jpeg(picture, final, quality=FRAME_QUALITY)
    url = media_url(project_id, rel)
    asset = Asset(
        id=new_id(),
        project_id=project_id,
        kind="frame",
        media_type="image",
        rel_path=rel,
        url=url,
        thumbnail_url=url,
        filename=f"{Path(clip_name).stem[:60]} frame {frame}.jpg",
        mime="image/jpeg",
        size_bytes=final.stat().st_size,
        width=width,
        height=height,
        meta={"source_asset_id": asset_id, "source_url": clip_url, "frame_index": frame},
    )

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)  # deleted meanwhile? then nothing is registered
        session.add(asset)
        session.flush()
        return asset_dict(asset)

    try:
        return db.write(write)
    except BaseException:
        remove_quietly(final)
        raise
