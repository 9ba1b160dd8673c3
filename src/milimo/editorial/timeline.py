"""The cut as an OpenTimelineIO timeline: V1 and V2 video tracks, A1 audio, frames as RationalTime.

Every clip carries the studio's facts under the `milimo` metadata namespace (shot id, prompt,
seed, engine, the URL the studio serves its media at), which is what import-cut matches on
when the timeline comes back from an editor. Media references are absolute file URLs of the
project's files (the otioz writer relinks them into its bundle).
"""

from __future__ import annotations

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from milimo.editorial.model import EditClip, EditCut

NAMESPACE = "milimo"
KIND = {"V1": otio.schema.TrackKind.Video, "V2": otio.schema.TrackKind.Video, "A1": otio.schema.TrackKind.Audio}


def _range(start: int, duration: int, fps: float) -> TimeRange:
    return TimeRange(RationalTime(start, fps), RationalTime(duration, fps))


def clip_metadata(clip: EditClip) -> dict:
    return {
        "shot_id": clip.shot_id,
        "prompt": clip.prompt,
        "seed": clip.seed,
        "engine": clip.engine or "",
        "media_url": clip.media_url or "",
        "media_kind": clip.media_kind,
        "dialogue": clip.dialogue,
        "character": clip.character,
    }


def _reference(clip: EditClip, fps: float) -> otio.core.MediaReference:
    if clip.media_path is None:
        return otio.schema.MissingReference(name=clip.name, metadata={NAMESPACE: {"reason": "the shot has no media yet"}})
    # A still has no length of its own: it offers exactly what the clip shows.
    available = clip.media_frames if clip.media_frames is not None else clip.trim_in + clip.length
    return otio.schema.ExternalReference(
        target_url=clip.media_path.as_uri(),  # absolute and resolved already (render.cut: contained())
        available_range=_range(0, available, fps),
        metadata={NAMESPACE: {"media_url": clip.media_url or "", "media_kind": clip.media_kind, "has_audio": clip.has_audio}},
    )


def _clip(clip: EditClip, fps: float) -> otio.schema.Clip:
    return otio.schema.Clip(
        name=clip.name,
        media_reference=_reference(clip, fps),
        source_range=_range(clip.trim_in, clip.length, fps),
        metadata={NAMESPACE: clip_metadata(clip)},
    )


def _track(name: str, clips: list[EditClip], fps: float, pad_to: int = 0) -> otio.schema.Track:
    track = otio.schema.Track(name=name, kind=KIND[name])
    cursor = 0
    for clip in clips:
        # V2/A1 clips may overlap on the studio's timeline only if the client let them; an editor's
        # track cannot, so a clip that starts inside the previous one starts where it ends.
        start = max(clip.start_frame, cursor)
        if start > cursor:
            track.append(otio.schema.Gap(source_range=_range(0, start - cursor, fps)))
        track.append(_clip(clip, fps))
        cursor = start + clip.length
    if pad_to > cursor:
        track.append(otio.schema.Gap(source_range=_range(0, pad_to - cursor, fps)))
    return track


def build_timeline(cut: EditCut, tracks: tuple[str, ...] = ("V1", "V2", "A1"), pad: bool = False) -> otio.schema.Timeline:
    """The cut as an OTIO Timeline. `pad` fills every track with a gap to the cut's end (FCPXML needs V1 to span it)."""
    fps = cut.fps
    timeline = otio.schema.Timeline(name=cut.name, global_start_time=RationalTime(0, fps))
    timeline.metadata[NAMESPACE] = {"project_id": cut.project_id, "fps": fps, "width": cut.width, "height": cut.height}
    end = cut.duration if pad else 0
    for name in tracks:
        clips = cut.on(name)
        if clips or name == "V1" or pad:
            timeline.tracks.append(_track(name, clips, fps, end))
    return timeline
