"""Export the cut for editors: .otio, .otioz (with media), FCP 7 XML, FCPXML 1.11, AAF, CMX 3600 EDL, SRT, WebVTT.

One entry point, `write_export(cut, format, out)`: the file is written to a temporary name
beside `out` and renamed into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opentimelineio as otio

from milimo.editorial import subtitles
from milimo.editorial.errors import NothingToExport
from milimo.editorial.fcpxml import write_fcpxml
from milimo.editorial.model import EditCut
from milimo.editorial.timeline import NAMESPACE, build_timeline
from milimo.errors import Invalid


@dataclass(frozen=True)
class Format:
    key: str
    extension: str
    mime: str
    label: str


FORMATS = {
    f.key: f
    for f in (
        Format("otio", ".otio", "application/vnd.opentimelineio+json", "OpenTimelineIO (Resolve, any OTIO tool)"),
        Format("otioz", ".otioz", "application/vnd.opentimelineio.z+zip", "OpenTimelineIO bundle with media"),
        Format("fcp7xml", ".xml", "application/xml", "FCP 7 XML (Premiere Pro, Resolve)"),
        Format("fcpxml", ".fcpxml", "application/xml", "FCPXML 1.11 (Final Cut Pro, Resolve)"),
        Format("aaf", ".aaf", "application/octet-stream", "AAF (Avid Media Composer, Pro Tools)"),
        Format("edl", ".edl", "text/plain; charset=utf-8", "CMX 3600 EDL (V1 and A1)"),
        Format("srt", ".srt", "application/x-subrip; charset=utf-8", "SRT subtitles (dialogue)"),
        Format("vtt", ".vtt", "text/vtt; charset=utf-8", "WebVTT subtitles (dialogue)"),
    )
}


def get_format(key: str) -> Format:
    if key not in FORMATS:
        raise Invalid(f"unknown export format {key!r}; use one of {', '.join(FORMATS)}")
    return FORMATS[key]


def filename_for(cut: EditCut, fmt: Format) -> str:
    """A download name an editor can keep: the project's name, safe on every file system."""
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "", cut.name).strip(" .") or "cut"
    return f"{stem[:80]}{fmt.extension}"


def write_export(cut: EditCut, key: str, out: Path) -> Path:
    get_format(key)  # an unknown format is a 422 before anything is written
    if key in ("srt", "vtt"):
        if not any(c.dialogue.strip() for c in cut.clips if c.track != "A1"):
            raise NothingToExport("no clip on the timeline has dialogue; write dialogue on the shots to export subtitles")
    elif not cut.clips:
        raise NothingToExport("the timeline is empty: place shots on V1, V2 or A1 before exporting")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if key == "otioz":
            tmp.unlink()  # the adapter refuses to overwrite
            _write_otioz(cut, tmp)
        elif key == "aaf":
            _write_aaf(cut, tmp)
        else:
            tmp.write_text(render_text(cut, key), encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _write_aaf(cut: EditCut, out: Path) -> None:
    """AAF through otio-aaf-adapter (pyaaf2): linked media (the takes stay where the studio keeps them),
    clips named as in the studio so an Avid round trip can be matched by name and media file. AAF has
    no place for our metadata, so the shot id travels as the clip name's match only."""
    timeline = build_timeline(cut)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if ref.available_range is None:
            # A shot without media (not generated yet) is an offline clip in Avid: the AAF writer
            # still wants the media's range, which is the clip's own.
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, cut.fps), clip.source_range.end_time_exclusive()
            )
    otio.adapters.write_to_file(timeline, str(out), adapter_name="AAF", use_empty_mob_ids=True)


def render_text(cut: EditCut, key: str) -> str:
    """Every format except otioz and aaf, as text."""
    if key == "otio":
        return otio.adapters.write_to_string(build_timeline(cut), "otio_json")
    if key == "fcp7xml":
        return _fcp7(cut)
    if key == "fcpxml":
        return write_fcpxml(_xml_safe(build_timeline(cut, pad=True)), cut.fps, cut.width, cut.height)
    if key == "edl":
        return _edl(cut)
    cues = [subtitles.Cue(c.start_frame, c.end_frame, c.dialogue) for c in cut.clips if c.track != "A1" and c.dialogue.strip()]
    return subtitles.to_srt(cues, cut.fps) if key == "srt" else subtitles.to_vtt(cues, cut.fps)


def _fcp7(cut: EditCut) -> str:
    timeline = build_timeline(cut)
    for clip in timeline.find_clips():
        meta = clip.metadata[NAMESPACE]
        # Premiere keeps a clip's log note and master comments; unknown elements it drops on re-export.
        clip.metadata["fcp_xml"] = {
            "logginginfo": {"description": meta["prompt"][:2000]},
            "comments": {
                "mastercomment1": f"milimo:shot={meta['shot_id']}",
                "mastercomment2": f"seed={meta['seed']} engine={meta['engine']}",
            },
        }
    return otio.adapters.write_to_string(_xml_safe(timeline), "fcp_xml")


# What XML 1.0 cannot carry at all (control characters a prompt or a name may hold): dropped, so the
# export still opens instead of failing the whole file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _xml_safe(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """Names and metadata of the timeline, its tracks and clips without characters XML refuses."""
    for item in [timeline, *timeline.tracks, *timeline.find_clips()]:
        item.name = _clean(item.name)
        for key in list(item.metadata.keys()):
            item.metadata[key] = _clean(item.metadata[key])
    return timeline


_EVENT = re.compile(r"^(\d{3})(  )", re.MULTILINE)


def _edl(cut: EditCut) -> str:
    """V1 as picture events, then A1 as audio events, in one EDL with edit numbers that keep counting.

    CMX 3600 holds one picture track; the adapter writes the events of one track at a time.
    """
    timeline = build_timeline(cut, tracks=("V1", "A1"))
    tracks = list(timeline.tracks)
    for clip in timeline.find_clips():
        clip.metadata["cmx_3600"] = {"reel": reel_name(clip.media_reference)}
    rate = cut.fps
    picture = otio.adapters.write_to_string(
        otio.schema.Timeline(name=cut.name, tracks=[t.deepcopy() for t in tracks[:1]]), "cmx_3600", rate=rate
    )
    if len(tracks) < 2 or not list(tracks[1].find_clips()):
        return picture
    sound_only = otio.schema.Timeline(tracks=[otio.schema.Track(kind=otio.schema.TrackKind.Video), tracks[1].deepcopy()])
    writer = _edl_writer(sound_only, rate)
    sound = writer.get_content_for_track_at_index(1, title=None)
    offset = len(_EVENT.findall(picture))
    sound = _EVENT.sub(lambda m: f"{int(m[1]) + offset:03d}{m[2]}", sound)
    return picture.rstrip("\n") + "\n" + sound


def _edl_writer(timeline: otio.schema.Timeline, rate: float):
    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    return EDLWriter(tracks=timeline.tracks, rate=rate, style="avid", reelname_len=8)


def reel_name(ref) -> str:
    """The source's reel: its file name, as CMX 3600's 8 characters allow (the FROM CLIP line has it whole)."""
    url = getattr(ref, "target_url", None)
    if not url:
        return "BL"  # black: a shot with no media yet
    stem = Path(otio.url_utils.filepath_from_url(url)).stem
    return re.sub(r"[^A-Za-z0-9]", "", stem)[:8].upper() or "AX"


def _write_otioz(cut: EditCut, out: Path) -> None:
    """The OTIO timeline with its media in one zip. The bundle needs unique file names: media
    that share a name (two uploads called clip.mp4) are linked under numbered names first."""
    timeline = build_timeline(cut)
    staging = Path(tempfile.mkdtemp(prefix=".otioz-", dir=out.parent))
    try:
        names: dict[str, Path] = {}
        for clip in timeline.find_clips():
            ref = clip.media_reference
            if not isinstance(ref, otio.schema.ExternalReference):
                continue
            source = Path(otio.url_utils.filepath_from_url(ref.target_url))
            link = names.get(str(source))
            if link is None:
                stem, n, name = source.stem, 1, source.name
                while (staging / name).exists():
                    n += 1
                    name = f"{stem}-{n}{source.suffix}"
                link = staging / name
                os.symlink(source, link)
                names[str(source)] = link
            ref.target_url = link.as_uri()
        otio.adapters.write_to_file(
            timeline,
            str(out),
            adapter_name="otioz",
            media_policy=otio.adapters.file_bundle_utils.MediaReferencePolicy.MissingIfNotFile,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def export_project(db, settings, project_id: str, key: str) -> tuple[Path, Format, str]:
    """Write the project's cut in `key` format into its private workspace: (file, format, download name).

    The caller sends the file and removes its folder (remove_export) once it is sent.
    """
    from milimo.editorial.source import load_edit_cut

    fmt = get_format(key)
    cut = load_edit_cut(db, settings, project_id)
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=_workspace(settings, project_id)))
    try:
        name = filename_for(cut, fmt)
        return write_export(cut, key, folder / name), fmt, name
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def remove_export(path: Path) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)


def _workspace(settings, project_id: str) -> Path:
    folder = settings.project_dir(project_id) / "workspace"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
