"""Element resolution (seed §2 "Element Resolution", §6 ElementManager): trigger words in prompts,
reference images for the image engine, and the prompt text an engine reads.

Triggers match as whole tokens, case-insensitively, and only the project's own elements are
ever considered (the reference matched substrings across every project; reference-system §3.6,
§5.6). A token is the trigger followed by anything but a word character or a hyphen that
continues the word, so "@Hero" is not in "@Heroine" or "@Hero-2" but is in "@Hero's", "(@Hero)"
and "@Hero.". Where one trigger is the start of another ("@Ann", "@Ann-Marie"), the longer one
wins at that position.

`resolve_image` serves image jobs (explicit elements and references + the prompt's triggers,
images up to the engine's limit, what was dropped said); `resolve_shot` serves video jobs,
storyboard shots and their thumbnails (the shot's matched elements + its prompt's triggers).
`inject` turns triggers into words an engine understands: "Name (description)" on first
mention, the name after; a location once, as the setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from milimo.config import Settings
from milimo.db.models import Asset, Element, ElementImage
from milimo.errors import Invalid
from milimo.studio.paths import relative_to_project, resolve_media_url

ELEMENT_TYPES = ("character", "location", "object")
# A trigger: "@" and then letters, digits, "_" or inner hyphens (Unicode letters included).
TRIGGER_RE = re.compile(r"^@[^\W]+(?:-[^\W]+)*$")
_AFTER = r"(?!\w|-\w)"  # the token does not go on
_BEFORE = r"(?<![\w@])"  # nor did it start earlier ("x@Mara", "@@Mara")


def default_trigger(name: str) -> str:
    """ "@" + the name without spaces (the reference's rule), keeping only what a trigger may hold."""
    kept = "".join(ch for ch in name if ch.isalnum() or ch in "_-").strip("-")
    return "@" + re.sub(r"-{2,}", "-", kept)


def normalise_trigger(trigger: str) -> str:
    """A trigger as stored: with its "@"; 422 when it is not one token."""
    t = trigger.strip()
    if not t.startswith("@"):
        t = "@" + t
    if not TRIGGER_RE.match(t) or len(t) > 100:
        raise Invalid(
            f"trigger word {trigger!r} must be '@' followed by letters, digits, '_' or inner '-' "
            f"(no spaces or punctuation), at most 100 characters; e.g. '@Mara'",
            field="trigger_word",
        )
    return t


@dataclass(frozen=True)
class ElementRef:
    """One reference image of an element: its asset and its file inside the project."""

    asset_id: str
    rel_path: str
    url: str


@dataclass(frozen=True)
class ElementView:
    """What resolution needs of an element."""

    id: str
    name: str
    type: str
    description: str
    trigger_word: str
    images: tuple[ElementRef, ...] = ()

    def phrase(self, first: bool = True) -> str:
        return f"{self.name} ({self.description.strip()})" if first and self.description.strip() else self.name


def load_elements(session: Session, project_id: str) -> list[ElementView]:
    """The project's elements with their reference images in order (primary first)."""
    rows = (
        session.execute(
            select(Element).where(col(Element.project_id) == project_id).order_by(col(Element.created_at), col(Element.id))
        )
        .scalars()
        .all()
    )
    images: dict[str, list[ElementRef]] = {}
    links = session.execute(
        select(col(ElementImage.element_id), col(Asset.id), col(Asset.rel_path), col(Asset.url))
        .join(Asset, col(Asset.id) == col(ElementImage.asset_id))
        .where(col(Asset.project_id) == project_id)
        .order_by(col(ElementImage.element_id), col(ElementImage.position))
    ).all()
    for element_id, asset_id, rel, url in links:
        images.setdefault(element_id, []).append(ElementRef(asset_id, rel, url))
    return [ElementView(e.id, e.name, e.type, e.description, e.trigger_word, tuple(images.get(e.id, ()))) for e in rows]


def _alternation(elements: Sequence[ElementView]) -> re.Pattern[str] | None:
    triggers = sorted({e.trigger_word for e in elements if e.trigger_word}, key=lambda t: (-len(t), t))
    if not triggers:
        return None
    return re.compile(_BEFORE + "(?:" + "|".join(re.escape(t) for t in triggers) + ")" + _AFTER, re.IGNORECASE)


def _by_trigger(elements: Sequence[ElementView]) -> dict[str, ElementView]:
    return {e.trigger_word.casefold(): e for e in elements}


def find_triggers(text: str, elements: Sequence[ElementView]) -> list[ElementView]:
    """The elements whose trigger occurs in `text` as a token, in order of first appearance."""
    pattern = _alternation(elements)
    if pattern is None or not text:
        return []
    by_trigger, seen, found = _by_trigger(elements), set(), []
    for m in pattern.finditer(text):
        el = by_trigger.get(m.group(0).casefold())
        if el is not None and el.id not in seen:
            seen.add(el.id)
            found.append(el)
    return found


def inject(prompt: str, elements: Sequence[ElementView]) -> str:
    """Triggers of `elements` in the prompt become words: a character or object "Name (description)"
    at its first mention and "Name" after; a location is named where it is mentioned and described
    once, as the setting, at the end (also when the shot matched it without a mention)."""
    pattern = _alternation(elements)
    by_trigger, described = _by_trigger(elements), set()

    def replace(m: re.Match[str]) -> str:
        el = by_trigger[m.group(0).casefold()]
        first = el.id not in described and el.type != "location"
        described.add(el.id)
        return el.phrase(first)

    text = pattern.sub(replace, prompt) if pattern is not None else prompt
    settings = [e for e in dict.fromkeys(elements) if e.type == "location"]
    if settings:
        text = text.rstrip().rstrip(".") + ". " + " ".join(f"Setting: {e.phrase()}." for e in settings)
    return text.strip()


def inject_triggers(session: Session, project_id: str, prompt: str) -> str:
    """The prompt with this project's triggers turned into words (inpainting: no references, words only)."""
    found = find_triggers(prompt, load_elements(session, project_id))
    return inject(prompt, found) if found else prompt


def append_missing(prompt: str, elements: Iterable[ElementView]) -> tuple[str, list[str]]:
    """Seed §2: an element chosen explicitly whose trigger the prompt lacks gets its trigger appended."""
    present = {e.id for e in find_triggers(prompt, list(elements))}
    missing = [e.trigger_word for e in elements if e.id not in present]
    return (prompt.rstrip() + " " + " ".join(missing)).strip() if missing else prompt, missing


@dataclass
class Resolution:
    """What a job gets: the prompt for the engine, the references in order, and what happened."""

    prompt: str  # the prompt as the user wrote it, with missing triggers appended
    engine_prompt: str  # the same with triggers turned into words (inject)
    references: list[ElementRef] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)  # ids of the elements used (explicit first, then found)
    appended: list[str] = field(default_factory=list)  # triggers appended to the prompt
    dropped: list[dict] = field(default_factory=list)  # element images over the engine's limit: {asset_id, element_id, reason}


def _explicit_reference(session: Session, settings: Settings, project_id: str, n: int, ref: str) -> ElementRef:
    """A reference the client named: an asset id or a media URL of this project, and an image."""
    if "/" not in ref:
        asset = session.get(Asset, ref)
        if asset is None or asset.project_id != project_id:
            raise Invalid(
                f"reference_images[{n}]: {ref!r} is not an asset of this project; upload it first", field="reference_images"
            )
    else:
        rel = relative_to_project(settings, project_id, resolve_media_url(settings, project_id, ref))
        asset = (
            session.execute(select(Asset).where(col(Asset.project_id) == project_id, col(Asset.rel_path) == rel))
            .scalars()
            .first()
        )
        if asset is None:
            raise Invalid(f"reference_images[{n}]: {ref!r} is not a registered asset of this project", field="reference_images")
    if asset.media_type != "image":
        raise Invalid(
            f"reference_images[{n}]: asset {asset.id!r} is a {asset.media_type}; references must be images",
            field="reference_images",
        )
    return ElementRef(asset.id, asset.rel_path, asset.url)


def _element_images(
    chosen: Sequence[ElementView], taken: list[ElementRef], limit: int, engine: str
) -> tuple[list[ElementRef], list[dict]]:
    """Element images after the explicit ones, round robin by position (every element's primary before
    anyone's second), up to the engine's limit; the rest is reported as dropped."""
    have = {r.asset_id for r in taken}
    queue: list[tuple[str, ElementRef]] = []
    depth = max((len(e.images) for e in chosen), default=0)
    for i in range(depth):
        queue += [(e.id, e.images[i]) for e in chosen if i < len(e.images)]
    added: list[ElementRef] = []
    dropped: list[dict] = []
    for element_id, ref in queue:
        if ref.asset_id in have:
            continue
        have.add(ref.asset_id)
        if len(taken) + len(added) < limit:
            added.append(ref)
        else:
            dropped.append(
                {
                    "asset_id": ref.asset_id,
                    "element_id": element_id,
                    "reason": f"the {engine} engine takes at most {limit} reference images",
                }
            )
    return added, dropped


def resolve_image(
    session: Session,
    settings: Settings,
    project_id: str,
    prompt: str,
    *,
    element_ids: Sequence[str] = (),
    reference_images: Sequence[str] = (),
    limit: int,
    engine: str,
) -> Resolution:
    """Seed §2 for POST /generate/image and element visuals. 422 (nothing written) for an unknown
    element, another project's asset, a non-image or more explicit references than the engine takes."""
    if len(reference_images) > limit:
        raise Invalid(
            f"the {engine} engine takes at most {limit} reference images; you sent {len(reference_images)}",
            field="reference_images",
        )
    explicit = [_explicit_reference(session, settings, project_id, n, r) for n, r in enumerate(reference_images)]
    explicit = list({r.asset_id: r for r in explicit}.values())
    elements = load_elements(session, project_id)
    by_id = {e.id: e for e in elements}
    chosen = []
    for n, eid in enumerate(dict.fromkeys(element_ids)):
        if eid not in by_id:
            raise Invalid(f"element_ids[{n}]: {eid!r} is not an element of this project", field="element_ids")
        chosen.append(by_id[eid])
    full_prompt, appended = append_missing(prompt, chosen)
    chosen += [e for e in find_triggers(full_prompt, elements) if e not in chosen]
    added, dropped = _element_images(chosen, explicit, limit, engine)
    return Resolution(
        prompt=full_prompt,
        engine_prompt=inject(full_prompt, chosen),
        references=explicit + added,
        elements=[e.id for e in chosen],
        appended=appended,
        dropped=dropped,
    )


def resolve_shot(
    session: Session, settings: Settings, project_id: str, prompt: str, matched_ids: Sequence[str], *, limit: int, engine: str
) -> Resolution:
    """A storyboard or timeline shot: its matched elements (those that still exist) and the triggers of its
    prompt. No triggers are appended (the storyboard fields carry the rest); locations become the setting."""
    elements = load_elements(session, project_id)
    by_id = {e.id: e for e in elements}
    chosen = [by_id[i] for i in dict.fromkeys(matched_ids) if i in by_id]
    chosen += [e for e in find_triggers(prompt, elements) if e not in chosen]
    added, dropped = _element_images(chosen, [], limit, engine)
    return Resolution(
        prompt=prompt,
        engine_prompt=inject(prompt, chosen) if chosen else prompt,
        references=added,
        elements=[e.id for e in chosen],
        dropped=dropped,
    )
