"""Format details that a project built through the app does not reach: shared file names in a
bundle, NTSC frame durations, overlapping dialogue, names that are not safe file names."""

from __future__ import annotations

import zipfile

import opentimelineio as otio

from milimo.editorial import subtitles
from milimo.editorial.export import FORMATS, filename_for, write_export
from milimo.editorial.fcpxml import frame_duration
from milimo.editorial.model import EditClip, EditCut


def clip(shot_id, path, start, length, track="V1", dialogue=""):
    return EditClip(
        shot_id=shot_id,
        name=f"Shot {shot_id}",
        track=track,
        start_frame=start,
        trim_in=0,
        length=length,
        media_path=path,
        media_url=f"/projects/p/assets/uploads/{path.name}" if path else None,
        media_kind="video" if path else "none",
        media_frames=length if path else None,
        dialogue=dialogue,
        num_frames=length,
    )


def test_otioz_bundles_two_files_that_share_a_name_under_distinct_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "clip.mp4").write_bytes(b"first")
    (tmp_path / "b" / "clip.mp4").write_bytes(b"second")
    cut = EditCut(
        "p",
        "Twins",
        24.0,
        64,
        64,
        (clip("1", tmp_path / "a" / "clip.mp4", 0, 10), clip("2", tmp_path / "b" / "clip.mp4", 10, 10), clip("3", None, 20, 5)),
    )
    out = write_export(cut, "otioz", tmp_path / "out" / "twins.otioz")
    bundle = zipfile.ZipFile(out)
    assert sorted(n for n in bundle.namelist() if n.startswith("media/")) == ["media/clip-2.mp4", "media/clip.mp4"]
    timeline = otio.adapters.read_from_file(str(out), adapter_name="otioz")
    urls = [c.media_reference.target_url if not c.media_reference.is_missing_reference else None for c in timeline.find_clips()]
    assert [bundle.read(u) if u else None for u in urls] == [b"first", b"second", None]  # the media-less shot stays, offline
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["twins.otioz"], "no temporary file or staging folder is left"


def test_frame_durations_are_exact_for_ntsc_and_plain_rates():
    assert [frame_duration(f) for f in (24, 25, 30, 23.976, 29.97, 59.94, 12.5)] == [
        "1/24s",
        "1/25s",
        "1/30s",
        "1001/24000s",
        "1001/30000s",
        "1001/60000s",
        "2/25s",
    ]


def test_overlapping_dialogue_ends_where_the_next_line_starts():
    cues = [
        subtitles.Cue(0, 48, "First"),
        subtitles.Cue(24, 72, "Second"),
        subtitles.Cue(100, 100, "empty"),
        subtitles.Cue(80, 90, "  "),
    ]
    assert subtitles.to_srt(cues, 24) == "1\n00:00:00,000 --> 00:00:01,000\nFirst\n\n2\n00:00:01,000 --> 00:00:03,000\nSecond\n"
    assert subtitles.to_vtt([subtitles.Cue(0, 10, "a --> b")], 24).splitlines()[-1] == "a -> b"  # never read as a timing line


def test_download_names_are_safe_file_names():
    cut = EditCut("p", '../../etc/passwd: "cut"', 24.0, 64, 64, ())
    assert filename_for(cut, FORMATS["edl"]) == "etcpasswd cut.edl"
    assert filename_for(EditCut("p", "???", 24.0, 64, 64, ()), FORMATS["otio"]) == "cut.otio"


def test_xml_formats_drop_characters_xml_cannot_carry(tmp_path):
    # A prompt or a name may hold control characters (the schema fuzz sent some); the XML exports
    # leave them out instead of failing the whole file (it was a 500).
    (tmp_path / "clip.mp4").write_bytes(b"x")
    odd = clip("1", tmp_path / "clip.mp4", 0, 10, dialogue="bad \x01 line")
    odd = EditClip(**{**odd.__dict__, "name": "Shot\x0b 1"})
    cut = EditCut("p", "Odd\x02 name", 24.0, 64, 64, (odd,))
    for key in ("fcp7xml", "fcpxml"):
        text = (write_export(cut, key, tmp_path / f"odd.{key}")).read_text()
        assert "\x01" not in text and "\x0b" not in text and "\x02" not in text
        assert "Shot 1" in text
