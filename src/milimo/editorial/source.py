"""The render branch's Cut (render/cut.py, shared with the master render) as the editorial EditCut."""

from __future__ import annotations

from fractions import Fraction

from milimo.config import Settings
from milimo.db.database import Database
from milimo.editorial.model import EditClip, EditCut
from milimo.render.cut import Cut, CutMedia, load_cut


def media_frames(media: CutMedia, fps: Fraction) -> int | None:
    """How many project-rate frames the take offers; None for a still (it lasts as long as it is shown).

    A take at another rate is conformed by frame selection (the render's rule), so it offers
    round(duration × project fps) frames.
    """
    if media.kind == "image":
        return None
    if media.kind == "video" and media.fps is not None and media.fps == fps:
        return media.num_frames
    return max(1, round(Fraction(media.duration).limit_denominator(1_000_000) * fps))


def edit_cut(cut: Cut) -> EditCut:
    seen: dict[str, int] = {}
    clips = []
    for clip in cut.clips:
        # Names are what editors and import-cut's fallback see; a repeated one gets a counter.
        seen[clip.name] = seen.get(clip.name, 0) + 1
        name = clip.name if seen[clip.name] == 1 else f"{clip.name} ({seen[clip.name]})"
        media = clip.media
        clips.append(
            EditClip(
                shot_id=clip.shot_id,
                name=name,
                track=clip.track,
                start_frame=clip.start_frame,
                trim_in=clip.trim_in,
                length=clip.length,
                media_path=media.path if media else None,
                media_url=media.url if media else None,
                media_kind=media.kind if media else "none",
                media_frames=media_frames(media, cut.fps) if media else None,
                prompt=clip.prompt,
                seed=clip.seed,
                engine=clip.engine,
                dialogue=clip.dialogue,
                character=clip.character,
                num_frames=clip.num_frames,
                has_audio=bool(media and media.has_audio),
            )
        )
    return EditCut(
        project_id=cut.project_id, name=cut.name, fps=float(cut.fps), width=cut.width, height=cut.height, clips=tuple(clips)
    )


def load_edit_cut(db: Database, settings: Settings, project_id: str) -> EditCut:
    return edit_cut(load_cut(db, settings, project_id))
