"""Assets: the one canonical model for media (id -> file inside the project -> issued URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset, ElementImage, Shot, utcnow
from milimo.db.states import ShotStatus
from milimo.errors import Conflict, Invalid, NotFound
from milimo.fsutil import remove_quietly, temp_sibling
from milimo.studio import uploads
from milimo.studio.ids import new_id
from milimo.studio.paths import contained, media_url
from milimo.studio.schemas import AssetPublic
from milimo.studio.versions import bump_version, check_base_version, require_project


def require_project_asset(session: Session, project_id: str, asset_id: str, field: str | None = None) -> Asset:
    """The project's asset `asset_id` (the project must exist): 404 when there is no such asset, 422
    naming `field` when it is another project's. The check every request naming an asset begins with."""
    require_project(session, project_id)
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(f"asset {asset_id!r} does not exist")
    if asset.project_id != project_id:
        prefix = f"{field}: " if field else ""
        raise Invalid(f"{prefix}asset {asset_id!r} is not an asset of this project (it is another project's)", field=field)
    return asset


def asset_dict(asset: Asset) -> dict[str, Any]:
    return {name: getattr(asset, name) for name in AssetPublic.model_fields}


def upload_asset(
    db: Database, settings: Settings, project_id: str, kind: str, filename: str | None, stream: BinaryIO
) -> dict[str, Any]:
    """Store an uploaded file as an Asset of the project. Nothing is left behind on any error."""
    with db.read() as session:
        require_project(session, project_id)
    folder_rel = uploads.UPLOAD_FOLDERS[kind]
    folder = settings.project_dir(project_id) / folder_rel
    folder.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(folder / "upload.bin")
    final: Path | None = None
    thumb: Path | None = None
    try:
        size = uploads.copy_limited(stream, tmp, settings.max_upload_bytes)
        found = uploads.sniff(tmp, settings.max_image_pixels)
        if kind == "mask" and found.media_type != "image":
            raise Invalid(f"kind: a mask must be an image (white = the area to change), got a {found.media_type}", field="kind")
        name = uploads.stored_name(filename, found.extension)
        final = folder / name
        uploads.move_into_place(tmp, final)
        rel = f"{folder_rel}/{name}"
        url = media_url(project_id, rel)
        asset_id = new_id()
        thumb_url = url if found.media_type == "image" else None
        if found.media_type == "video":
            thumb = _video_thumbnail(settings, project_id, asset_id, final)
            thumb_url = media_url(project_id, f"thumbnails/{thumb.name}") if thumb else None
        asset = Asset(
            id=asset_id,
            project_id=project_id,
            kind=kind,
            media_type=found.media_type,
            rel_path=rel,
            url=url,
            thumbnail_url=thumb_url,
            filename=uploads.display_name(filename, found.extension),
            mime=found.mime,
            size_bytes=size,
            width=found.width,
            height=found.height,
            duration_s=found.duration_s,
            fps=found.fps,
            num_frames=found.num_frames,
            meta={"original_filename": (filename or "")[:255]},
        )

        def write(session: Session) -> dict[str, Any]:
            require_project(session, project_id)  # deleted meanwhile? then nothing is registered
            session.add(asset)
            session.flush()
            return asset_dict(asset)

        return db.write(write)
    except BaseException:
        remove_quietly(tmp, final, thumb)
        raise


def _video_thumbnail(settings: Settings, project_id: str, asset_id: str, video: Path) -> Path | None:
    """A poster frame for an uploaded video (what the timeline and library show)."""
    from milimo.media import MediaError, thumbnail

    out = settings.project_dir(project_id) / "thumbnails" / f"{asset_id}_thumb.jpg"
    try:
        return thumbnail(video, out)
    except MediaError:
        return None


def list_assets(db: Database, project_id: str, kind: str | None = None, media_type: str | None = None) -> list[dict]:
    with db.read() as session:
        require_project(session, project_id)
        q = select(Asset).where(col(Asset.project_id) == project_id)
        if kind:
            q = q.where(col(Asset.kind) == kind)
        if media_type:
            q = q.where(col(Asset.media_type) == media_type)
        rows = session.execute(q.order_by(col(Asset.created_at).desc())).scalars().all()
        return [asset_dict(a) for a in rows]


def get_asset(db: Database, asset_id: str) -> dict[str, Any]:
    with db.read() as session:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise NotFound(f"asset {asset_id!r} does not exist")
        return asset_dict(asset)


def asset_file(settings: Settings, asset: Asset) -> Path:
    return contained(settings.project_dir(asset.project_id), asset.rel_path)


def _references(session: Session, asset: Asset) -> dict[str, list[str]]:
    """Shots and elements that would lose media if this asset went away."""
    shots = session.execute(select(Shot).where(col(Shot.project_id) == asset.project_id)).scalars().all()
    conditioning = [s.id for s in shots if any(i.get("asset_id") == asset.id or i.get("url") == asset.url for i in s.timeline)]
    results = [s.id for s in shots if asset.url in (s.video_url, s.thumbnail_url)]
    results += [s.id for s in shots if s.keyframe_asset_id == asset.id and s.id not in results]
    elements = session.execute(select(col(ElementImage.element_id)).where(col(ElementImage.asset_id) == asset.id)).scalars().all()
    return {
        k: v for k, v in {"conditioning_shots": conditioning, "result_shots": results, "elements": list(elements)}.items() if v
    }


def delete_asset(
    db: Database, settings: Settings, asset_id: str, force: bool = False, base_version: int | None = None
) -> dict[str, Any]:
    """Delete an asset's row and file. 409 while shots or elements use it, unless force=True, which
    also removes those references (conditioning items dropped, element image unset, shot results cleared);
    that changes shots, so a `base_version` older than the project's is then a 409 too."""
    version: list[int] = []

    def write(session: Session) -> tuple[Path | None, Path | None, Path | None]:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise NotFound(f"asset {asset_id!r} does not exist")
        refs = _references(session, asset)
        if refs and not force:
            raise Conflict(
                f"asset {asset_id!r} is still used; remove it from those shots/elements or pass force=true", references=refs
            )
        if refs:
            check_base_version(session, require_project(session, asset.project_id), base_version)
        for shot in session.execute(select(Shot).where(col(Shot.project_id) == asset.project_id)).scalars():
            kept = [i for i in shot.timeline if i.get("asset_id") != asset.id and i.get("url") != asset.url]
            if len(kept) != len(shot.timeline):
                shot.timeline = kept
                shot.updated_at = utcnow()
            if shot.video_url == asset.url:
                shot.video_url, shot.status, shot.actual_frames = None, ShotStatus.pending, None
            if shot.thumbnail_url == asset.url:
                shot.thumbnail_url = None
            if shot.keyframe_asset_id == asset.id:
                shot.keyframe_asset_id = None
        for link in session.execute(select(ElementImage).where(col(ElementImage.asset_id) == asset.id)).scalars():
            session.delete(link)  # the element keeps its other references
        if refs:  # shots changed under every open client: their next save must see a new version
            project = require_project(session, asset.project_id)
            bump_version(project)
            version.append(project.version)
        files = _asset_paths(settings, asset)
        session.delete(asset)
        return files

    main, thumb, state = db.write(write)
    remove_quietly(main, thumb, state)
    return {"status": "deleted", "id": asset_id, **({"project_version": version[0]} if version else {})}


def _asset_paths(settings: Settings, asset: Asset) -> tuple[Path | None, Path | None, Path | None]:
    """The asset's file, its thumbnail, and the LTX-2.5 DFR pass kept beside a take (smooth motion)."""
    root = settings.project_dir(asset.project_id)
    main = _quiet_contained(root, asset.rel_path)
    thumb = None
    prefix = f"/projects/{asset.project_id}/"
    if asset.thumbnail_url and asset.thumbnail_url != asset.url and asset.thumbnail_url.startswith(prefix):
        thumb = _quiet_contained(root, asset.thumbnail_url[len(prefix) :])
    state = (asset.meta or {}).get("dfr_state")
    return main, thumb, _quiet_contained(root, state) if isinstance(state, str) else None


def _quiet_contained(root: Path, rel: str) -> Path | None:
    try:
        return contained(root, rel)
    except NotFound:
        return None
