"""Element CRUD (docs/elements.md): rows, trigger rules, ordered reference images, delete semantics.

Every write runs in the one writer thread, so the case-insensitive uniqueness of a trigger in
its project is checked and written without a race. Reference images are assets of the same
project and images; anything else is a 422 with nothing written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset, Element, ElementImage, Job, Shot, utcnow
from milimo.db.states import ACTIVE
from milimo.errors import Conflict, Invalid, NotFound
from milimo.fsutil import remove_quietly
from milimo.studio.element_schemas import ElementCreate, ElementUpdate
from milimo.studio.elements import default_trigger, normalise_trigger
from milimo.studio.ids import new_id
from milimo.studio.paths import contained
from milimo.studio.versions import bump_version, check_base_version, require_project


def element_dict(session: Session, element: Element) -> dict[str, Any]:
    rows = session.execute(
        select(col(Asset.id), col(Asset.url), col(Asset.thumbnail_url), col(Asset.engine))
        .join(ElementImage, col(ElementImage.asset_id) == col(Asset.id))
        .where(col(ElementImage.element_id) == element.id)
        .order_by(col(ElementImage.position))
    ).all()
    images = [{"asset_id": a, "url": u, "thumbnail_url": t, "engine": e} for a, u, t, e in rows]
    return {
        "id": element.id,
        "project_id": element.project_id,
        "name": element.name,
        "type": element.type,
        "description": element.description,
        "trigger_word": element.trigger_word,
        "images": images,
        "image_url": images[0]["url"] if images else None,
        "created_at": element.created_at,
        "updated_at": element.updated_at,
    }


def _require(session: Session, element_id: str) -> Element:
    element = session.get(Element, element_id)
    if element is None:
        raise NotFound(f"element {element_id!r} does not exist")
    return element


def _check_trigger(session: Session, project_id: str, trigger: str, element_id: str | None) -> None:
    clash = list(
        session.execute(
            select(Element).where(
                col(Element.project_id) == project_id,
                func.lower(col(Element.trigger_word)) == trigger.lower(),
                col(Element.id) != (element_id or ""),
            )
        )
        .scalars()
        .all()
    )
    # SQL lower() folds ASCII only; casefold here covers the rest of Unicode.
    clash += [
        e
        for e in session.execute(
            select(Element).where(col(Element.project_id) == project_id, col(Element.id) != (element_id or ""))
        ).scalars()
        if e.trigger_word.casefold() == trigger.casefold() and e not in clash
    ]
    if clash:
        raise Conflict(
            f"trigger word {trigger!r} is already used by element {clash[0].name!r} in this project; pick another",
            field="trigger_word",
            element_id=clash[0].id,
        )


def _set_images(session: Session, element: Element, asset_ids: list[str]) -> None:
    if len(set(asset_ids)) != len(asset_ids):
        raise Invalid("image_asset_ids lists an asset twice", field="image_asset_ids")
    for n, asset_id in enumerate(asset_ids):
        asset = session.get(Asset, asset_id)
        if asset is None or asset.project_id != element.project_id:
            raise Invalid(
                f"image_asset_ids[{n}]: {asset_id!r} is not an asset of this project; upload it first", field="image_asset_ids"
            )
        if asset.media_type != "image":
            raise Invalid(
                f"image_asset_ids[{n}]: asset {asset_id!r} is a {asset.media_type}; reference images must be images",
                field="image_asset_ids",
            )
    for link in session.execute(select(ElementImage).where(col(ElementImage.element_id) == element.id)).scalars():
        session.delete(link)
    session.flush()
    for position, asset_id in enumerate(asset_ids):
        session.add(ElementImage(element_id=element.id, asset_id=asset_id, position=position))


def add_image(session: Session, element_id: str, asset_id: str) -> None:
    """Append a reference (an element visual's result); a no-op when the element went meanwhile."""
    element = session.get(Element, element_id)
    if element is None:
        return
    last = session.execute(
        select(func.max(col(ElementImage.position))).where(col(ElementImage.element_id) == element_id)
    ).scalar()
    session.add(ElementImage(element_id=element_id, asset_id=asset_id, position=(last + 1) if last is not None else 0))
    element.updated_at = utcnow()


def create_element(db: Database, project_id: str, body: ElementCreate) -> dict[str, Any]:
    trigger = normalise_trigger(body.trigger_word) if body.trigger_word else default_trigger(body.name)
    if trigger == "@":
        raise Invalid(f"the name {body.name!r} gives no trigger word; send trigger_word, e.g. '@Mara'", field="trigger_word")

    def write(session: Session) -> dict[str, Any]:
        require_project(session, project_id)
        _check_trigger(session, project_id, trigger, None)
        element = Element(
            id=new_id("el_"),
            project_id=project_id,
            name=body.name,
            type=body.type,
            description=body.description,
            trigger_word=trigger,
        )
        session.add(element)
        session.flush()
        _set_images(session, element, list(body.image_asset_ids))
        session.flush()
        return element_dict(session, element)

    return db.write(write)


def list_elements(db: Database, project_id: str) -> list[dict[str, Any]]:
    with db.read() as session:
        require_project(session, project_id)
        rows = (
            session.execute(
                select(Element).where(col(Element.project_id) == project_id).order_by(col(Element.created_at), col(Element.id))
            )
            .scalars()
            .all()
        )
        return [element_dict(session, e) for e in rows]


def get_element(db: Database, element_id: str) -> dict[str, Any]:
    with db.read() as session:
        return element_dict(session, _require(session, element_id))


def update_element(db: Database, element_id: str, body: ElementUpdate) -> dict[str, Any]:
    sent = body.model_fields_set
    trigger = normalise_trigger(body.trigger_word) if body.trigger_word is not None else None

    def write(session: Session) -> dict[str, Any]:
        element = _require(session, element_id)
        if trigger is not None:
            _check_trigger(session, element.project_id, trigger, element.id)
            element.trigger_word = trigger
        for name in ("name", "type", "description"):
            if name in sent and getattr(body, name) is not None:
                setattr(element, name, getattr(body, name))
        if body.image_asset_ids is not None:
            _set_images(session, element, list(body.image_asset_ids))
        element.updated_at = utcnow()
        session.flush()
        return element_dict(session, element)

    return db.write(write)


def delete_element(db: Database, settings: Settings, element_id: str, base_version: int | None = None) -> dict[str, Any]:
    """Delete an element: it leaves every shot's matched_elements (the project version moves on then,
    and a stale `base_version` is a 409), and its reference images that nothing else uses — uploaded
    for it or made by Visualize (asset kind "element") — are deleted with their files."""

    def write(session: Session) -> tuple[dict[str, Any], list[Path]]:
        element = _require(session, element_id)
        project = require_project(session, element.project_id)
        shots = [
            s
            for s in session.execute(select(Shot).where(col(Shot.project_id) == project.id)).scalars()
            if any(m.get("element_id") == element.id for m in s.matched_elements)
        ]
        if shots:
            check_base_version(session, project, base_version)
        for shot in shots:
            shot.matched_elements = [m for m in shot.matched_elements if m.get("element_id") != element.id]
            shot.updated_at = utcnow()
        owned = _owned_assets(session, element)
        files = [p for a in owned for p in _files(settings, a)]
        session.delete(element)  # its ElementImage links go by cascade
        session.flush()
        for asset in owned:
            session.delete(asset)
        if shots:
            bump_version(project)
        result = {
            "status": "deleted",
            "id": element_id,
            "deleted_assets": [a.id for a in owned],
            "shots_changed": [s.id for s in shots],
            "project_version": project.version if shots else None,
        }
        return result, files

    result, files = db.write(write)
    remove_quietly(*files)
    return result


def _owned_assets(session: Session, element: Element) -> list[Asset]:
    """The element's images of kind "element" that no other element, shot, timeline item or waiting
    or running job (its reference images: a still, a Visualize, a still-first keyframe) still uses."""
    mine = (
        session.execute(
            select(Asset)
            .join(ElementImage, col(ElementImage.asset_id) == col(Asset.id))
            .where(col(ElementImage.element_id) == element.id, col(Asset.kind) == "element")
        )
        .scalars()
        .all()
    )
    # A queued job reads its references from disk when it runs: their files must outlive the element.
    job_refs = {
        ref
        for (params,) in session.execute(
            select(col(Job.params)).where(col(Job.project_id) == element.project_id, col(Job.status).in_(ACTIVE))
        )
        for ref in (params or {}).get("reference_inputs", [])
    }
    owned = []
    for asset in mine:
        others = session.execute(
            select(func.count())
            .select_from(ElementImage)
            .where(col(ElementImage.asset_id) == asset.id, col(ElementImage.element_id) != element.id)
        ).scalar()
        used_by_shot = session.execute(
            select(func.count())
            .select_from(Shot)
            .where(
                col(Shot.project_id) == element.project_id,
                (col(Shot.media_asset_id) == asset.id)
                | (col(Shot.keyframe_asset_id) == asset.id)
                | (col(Shot.thumbnail_url) == asset.url),
            )
        ).scalar()
        in_timeline = any(
            i.get("asset_id") == asset.id or i.get("url") == asset.url
            for (tl,) in session.execute(select(col(Shot.timeline)).where(col(Shot.project_id) == element.project_id))
            for i in tl
        )
        by_job = asset.id in job_refs or asset.url in job_refs
        if not others and not used_by_shot and not in_timeline and not by_job:
            owned.append(asset)
    return owned


def _files(settings: Settings, asset: Asset) -> list[Path]:
    root = settings.project_dir(asset.project_id)
    out = []
    prefix = f"/projects/{asset.project_id}/"
    rels = [asset.rel_path] + (
        [asset.thumbnail_url[len(prefix) :]]
        if asset.thumbnail_url and asset.thumbnail_url != asset.url and asset.thumbnail_url.startswith(prefix)
        else []
    )
    for rel in rels:
        with contextlib.suppress(NotFound):  # a row whose file is already gone: nothing to remove
            out.append(contained(root, rel))
    return out
