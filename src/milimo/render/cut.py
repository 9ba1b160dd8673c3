"""The cut: a project's timeline as plain data, placed exactly as the web player places it.

`load_cut` reads the shots and their takes once and answers a `Cut` that every consumer of the
edit shares: the master render (render.compose, render.mix), the smart render and the editorial
exports (OTIO, FCP XML, EDL, subtitles). Nothing here touches pixels.

Placement rules (docs/web.md, web/src/lib/layout.ts, which this mirrors):
- Tracks by `track_index`: 0 = V1 (magnetic), 1 = V2 (overlay), 2 = A1 (audio); other values
  are clamped into 0..2 as the web app does.
- Order on a track: `start_frame`, then the shot's `index`, then its id.
- V1 is packed from frame 0 in that order whatever `start_frame` says (the app owns V1's
  positions; the reference stacked every V1 clip at frame 0 because it trusted the column).
- Visible length = max(1, num_frames - trim_in - trim_out), in frames at the project rate.
- The timeline ends where the last clip on any track ends.

Mute and solo are not stored with the project: the timeline's M buttons are client state, so the
caller (the render request) says which tracks are muted or soloed. They act on sound only, as in
the player (a muted V1 still shows its pictures).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

from sqlmodel import col, select

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.models import Asset, Project, Scene, Shot
from milimo.errors import Invalid, NotFound
from milimo.media import MediaError, fps_fraction, probe
from milimo.studio.paths import contained, resolve_media_url

TrackName = Literal["V1", "V2", "A1"]
TRACK_NAMES: tuple[TrackName, ...] = ("V1", "V2", "A1")
MediaKind = Literal["video", "image", "audio"]


@dataclass(frozen=True)
class CutMedia:
    """The file a clip shows (its take), as probed from disk: the numbers are the file's own."""

    asset_id: str | None
    path: Path  # absolute, inside the project folder
    rel_path: str  # relative to the project folder ("generated/x.mp4")
    url: str  # the media URL the server serves it at
    kind: MediaKind
    num_frames: int  # exact for video, 1 for a still, 0 for audio
    fps: Fraction | None  # None for stills and audio
    width: int  # 0 for audio
    height: int
    has_audio: bool
    duration: float  # seconds (0 for stills)
    video_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class CutClip:
    """One shot on the timeline. Frames are at the project rate; `media` is None without a take."""

    shot_id: str
    name: str  # "Sc 1 · Sh 2": scene and shot numbers, 1-based
    track: TrackName
    start_frame: int  # where the clip starts on the timeline (V1: packed)
    length: int  # visible frames: max(1, num_frames - trim_in - trim_out)
    trim_in: int
    trim_out: int
    num_frames: int  # the shot's full length before trims (project frames)
    prompt: str = ""
    seed: int = 0
    engine: str | None = None
    dialogue: str = ""
    character: str = ""
    scene_id: str | None = None
    media: CutMedia | None = None

    @property
    def end_frame(self) -> int:
        """First timeline frame after the clip."""
        return self.start_frame + self.length


@dataclass(frozen=True)
class Track:
    name: TrackName
    index: int
    clips: tuple[CutClip, ...]  # sorted by start_frame (V1: packed, no gaps)
    muted: bool = False
    solo: bool = False

    @property
    def end_frame(self) -> int:
        return max((c.end_frame for c in self.clips), default=0)


@dataclass(frozen=True)
class Cut:
    project_id: str
    name: str
    fps: Fraction
    width: int
    height: int
    tracks: tuple[Track, Track, Track]  # V1, V2, A1
    warnings: tuple[str, ...] = field(default=())  # clips without a usable take, etc.

    @property
    def duration_frames(self) -> int:
        """The timeline end: where the last clip on any track ends."""
        return max(t.end_frame for t in self.tracks)

    def track(self, name: TrackName) -> Track:
        return self.tracks[TRACK_NAMES.index(name)]

    @property
    def clips(self) -> list[CutClip]:
        """Every clip, V1 then V2 then A1, each track in timeline order."""
        return [c for t in self.tracks for c in t.clips]

    def audible(self, track: Track) -> bool:
        """Mute and solo: a muted track is silent; when any track is soloed, only soloed ones sound."""
        if track.muted:
            return False
        if any(t.solo for t in self.tracks):
            return track.solo
        return True

    def seconds(self, frames: int | Fraction) -> Fraction:
        return Fraction(frames) / self.fps


def visible_length(num_frames: int, trim_in: int, trim_out: int) -> int:
    return max(1, num_frames - trim_in - trim_out)


def load_cut(
    db: Database,
    settings: Settings,
    project_id: str,
    *,
    muted: Iterable[str] = (),
    solo: Iterable[str] = (),
) -> Cut:
    """The project's timeline with every clip's take probed. NotFound for an unknown project.

    `muted` and `solo` name tracks ("V1", "V2", "A1"); an unknown name is Invalid.
    """
    muted, solo = _track_set(muted, "muted"), _track_set(solo, "solo")
    with db.read() as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound(f"project {project_id!r} does not exist")
        shots = list(session.exec(select(Shot).where(col(Shot.project_id) == project_id)))
        scenes = {s.id: s for s in session.exec(select(Scene).where(col(Scene.project_id) == project_id))}
        asset_ids = {s.media_asset_id for s in shots if s.media_asset_id}
        assets = {a.id: a for a in session.exec(select(Asset).where(col(Asset.id).in_(asset_ids)))} if asset_ids else {}
        session.expunge_all()
    fps = fps_fraction(project.fps)
    warnings: list[str] = []
    probes: dict[Path, CutMedia | None] = {}
    by_track: list[list[Shot]] = [[], [], []]
    for shot in shots:
        by_track[min(max(shot.track_index, 0), 2)].append(shot)
    tracks = []
    for index, members in enumerate(by_track):
        members.sort(key=lambda s: (s.start_frame, s.index, s.id))
        cursor = 0
        clips = []
        for shot in members:
            length = visible_length(shot.num_frames, shot.trim_in, shot.trim_out)
            start = cursor if index == 0 else shot.start_frame
            media = _media_of(settings, project_id, shot, assets, probes, warnings)
            clips.append(
                CutClip(
                    shot_id=shot.id,
                    name=_clip_name(shot, scenes),
                    track=TRACK_NAMES[index],
                    start_frame=start,
                    length=length,
                    trim_in=shot.trim_in,
                    trim_out=shot.trim_out,
                    num_frames=shot.num_frames,
                    prompt=shot.prompt,
                    seed=shot.seed,
                    engine=shot.engine,
                    dialogue=shot.dialogue,
                    character=shot.character,
                    scene_id=shot.scene_id,
                    media=media,
                )
            )
            cursor = start + length
        name = TRACK_NAMES[index]
        tracks.append(Track(name=name, index=index, clips=tuple(clips), muted=name in muted, solo=name in solo))
    return Cut(
        project_id=project_id,
        name=project.name,
        fps=fps,
        width=project.resolution_w,
        height=project.resolution_h,
        tracks=(tracks[0], tracks[1], tracks[2]),
        warnings=tuple(warnings),
    )


def _track_set(names: Iterable[str], what: str) -> frozenset[str]:
    names = frozenset(names)
    unknown = names - set(TRACK_NAMES)
    if unknown:
        raise Invalid(f"{what}: unknown track(s) {', '.join(sorted(unknown))}; tracks are V1, V2 and A1")
    return names


def _clip_name(shot: Shot, scenes: dict[str, Scene]) -> str:
    scene = scenes.get(shot.scene_id) if shot.scene_id else None
    if scene is None:
        return f"Sh {shot.index + 1}"
    return f"Sc {scene.index + 1} · Sh {shot.index + 1}"


def _media_of(
    settings: Settings,
    project_id: str,
    shot: Shot,
    assets: dict[str, Asset],
    probes: dict[Path, CutMedia | None],
    warnings: list[str],
) -> CutMedia | None:
    """The shot's take as a probed file, or None (with a warning) when it has none or it is unusable."""
    asset = assets.get(shot.media_asset_id) if shot.media_asset_id else None
    root = settings.project_dir(project_id)
    try:
        if asset is not None:
            path, rel, url = contained(root, asset.rel_path), asset.rel_path, asset.url
        elif shot.video_url:  # shots from before takes had assets (migration 0002)
            path = resolve_media_url(settings, project_id, shot.video_url)
            rel, url = path.relative_to(root.resolve()).as_posix(), shot.video_url
        else:
            if shot.track_index <= 0:
                warnings.append(f"shot {shot.id} has no take yet; it renders black")
            elif shot.track_index == 1:
                warnings.append(f"shot {shot.id} (V2) has no take yet; V1 shows through")
            return None
    except (NotFound, Invalid, ValueError):
        warnings.append(f"shot {shot.id}: its media file is missing; it renders as a gap")
        return None
    if path not in probes:
        try:
            info = probe(path)
        except MediaError as exc:
            warnings.append(f"shot {shot.id}: {exc}; it renders as a gap")
            probes[path] = None
        else:
            probes[path] = CutMedia(
                asset_id=asset.id if asset is not None else None,
                path=path,
                rel_path=rel,
                url=url,
                kind=info.kind,
                num_frames=info.num_frames,
                fps=info.fps,
                width=info.width,
                height=info.height,
                has_audio=info.has_audio,
                duration=info.duration,
                video_codec=info.video_codec,
                sample_rate=info.sample_rate,
                channels=info.channels,
            )
    return probes[path]
