"""Each editorial format written from a real cut (draft takes, uploads), read back with its adapter."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import opentimelineio as otio
import pytest

from tests.editorial.conftest import build_cut
from tests.state import state_shots

GOLDEN = Path(__file__).parent / "golden"
ADAPTER = {"otio": "otio_json", "fcp7xml": "fcp_xml", "fcpxml": "fcpx_xml", "edl": "cmx_3600"}
SUFFIX = {"otio": "otio", "fcp7xml": "xml", "fcpxml": "fcpxml", "edl": "edl", "srt": "srt", "vtt": "vtt"}


@pytest.fixture(scope="module")
def cut(studio) -> dict:
    return build_cut(studio)


def ids(state: dict) -> dict[str, str]:
    return {s["id"].split("-", 1)[1]: s["id"] for s in state["shots"]}


def export(studio, pid: str, fmt: str):
    r = studio.get(f"/projects/{pid}/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r


def timeline_of(result) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    return next(iter(result.find_children(descended_from_type=otio.schema.Timeline)))


def placements(timeline: otio.schema.Timeline) -> list[tuple]:
    """(kind, name, timeline start, source in, length) of every clip, per track in order."""
    out = []
    for track in timeline.tracks:
        # A track with a source range (the EDL reader's way to start a track late) shifts its clips.
        shift = -track.source_range.start_time.value if track.source_range else 0
        for item in track:
            if isinstance(item, otio.schema.Clip):
                rng = track.range_of_child(item)
                rng = otio.opentime.TimeRange(
                    otio.opentime.RationalTime(rng.start_time.value + shift, rng.start_time.rate), rng.duration
                )
                src = item.trimmed_range()
                out.append(
                    (track.kind, item.name, round(rng.start_time.value), round(src.start_time.value), round(src.duration.value))
                )
    return sorted(out)


V, A = otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio
EXPECTED = sorted(
    [
        (V, "Sc 1 · Sh 1", 0, 2, 20),
        (V, "Sc 1 · Sh 2", 20, 0, 33),  # V1: a trimmed 2 in / 3 out, b whole
        (V, "Sc 1 · Sh 3", 30, 0, 12),  # V2: the still over b
        (A, "Sh 1", 4, 10, 90),  # A1: the tone, trimmed 10 in / 20 out
    ]
)


@pytest.mark.parametrize("fmt", ["otio", "fcp7xml", "fcpxml"])
def test_export_reads_back_with_its_adapter_with_the_same_clips_and_trims(studio, cut, fmt):
    r = export(studio, cut["id"], fmt)
    assert r.headers["content-disposition"] == f"attachment; filename*=utf-8''Night%20Shift.{SUFFIX[fmt]}"
    timeline = timeline_of(otio.adapters.read_from_string(r.text, ADAPTER[fmt]))
    assert placements(timeline) == EXPECTED
    kinds = [t.kind for t in timeline.tracks if list(t.find_clips())]
    assert kinds.count(V) == 2 and kinds.count(A) == 1


def test_edl_holds_v1_and_one_audio_track_with_clip_names(studio, cut):
    r = export(studio, cut["id"], "edl")
    assert r.headers["content-type"].startswith("text/plain")
    timeline = otio.adapters.read_from_string(r.text, "cmx_3600", rate=24)
    assert placements(timeline) == [e for e in EXPECTED if e[1] != "Sc 1 · Sh 3"]  # CMX 3600: one picture track
    assert "* FROM CLIP NAME:  Sc 1 · Sh 2" in r.text
    assert re.findall(r"^(\d{3})  ", r.text, re.MULTILINE) == ["001", "002", "003"]  # edit numbers keep counting into A1


def test_otio_clips_carry_shot_metadata_and_point_at_the_served_files(studio, cut):
    timeline = otio.adapters.read_from_string(export(studio, cut["id"], "otio").text, "otio_json")
    shots = {s["id"]: s for s in state_shots(cut)}
    data_dir = studio.settings.data_dir.resolve()
    for clip in timeline.find_clips():
        meta = clip.metadata["milimo"]
        shot = shots[meta["shot_id"]]
        # The project state leaves empty fields out (an upload's prompt is ""); the clip's metadata may too.
        assert (meta.get("prompt", ""), meta["seed"], meta.get("engine")) == (
            shot.get("prompt", ""),
            shot["seed"],
            shot.get("engine"),
        )
        path = Path(otio.url_utils.filepath_from_url(clip.media_reference.target_url))
        assert path.is_file() and data_dir in path.parents
        assert meta["media_url"] == shot["video_url"] and studio.get(meta["media_url"]).status_code == 200
    engines = {c.metadata["milimo"]["engine"] for c in timeline.find_clips()}
    assert engines == {"draft", "upload"}


def test_otioz_bundles_the_media_and_links_the_clips_inside(studio, cut, tmp_path):
    r = export(studio, cut["id"], "otioz")
    bundle = tmp_path / "cut.otioz"
    bundle.write_bytes(r.content)
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "content.otio" in names and len([n for n in names if n.startswith("media/")]) == 4
    timeline = otio.adapters.read_from_file(str(bundle), adapter_name="otioz")
    assert placements(timeline) == EXPECTED
    for clip in timeline.find_clips():
        assert clip.media_reference.target_url.startswith("media/")
        assert zipfile.ZipFile(bundle).read(clip.media_reference.target_url)[:4]  # the file is in the bundle
    assert not any((studio.settings.project_dir(cut["id"]) / "workspace").iterdir()), "export scratch is removed"


def test_subtitles_put_each_line_of_dialogue_at_its_clip(studio, cut):
    srt = export(studio, cut["id"], "srt").text
    assert srt == (
        "1\n00:00:00,000 --> 00:00:00,833\nWho's there?\n\n2\n00:00:00,833 --> 00:00:02,208\nOnly the tide.\nGo home, Mara.\n"
    )
    vtt = export(studio, cut["id"], "vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT\n\ncue-1\n00:00:00.000 --> 00:00:00.833\nWho's there?\n")


def normalise(text: str, studio, state: dict) -> str:
    """Golden files hold no volatile values: the data dir, ids and generated file names become placeholders."""
    text = text.replace(str(studio.settings.data_dir.resolve()), "{DATA}")
    pid = state["id"]
    text = text.replace(pid, "{PROJECT}").replace(pid[:8], "{P}").replace(pid[:8].upper(), "{P}")
    for shot in sorted(state["shots"], key=lambda s: s["id"]):
        name = Path(shot["video_url"]).name
        key = shot["id"].split("-", 1)[1]
        text = text.replace(name, f"{{MEDIA-{key}}}")
        text = text.replace(re.sub(r"[^A-Za-z0-9]", "", Path(name).stem)[:8].upper(), f"{{REEL-{key}}}")
    return text


@pytest.mark.parametrize("fmt", ["otio", "fcp7xml", "fcpxml", "edl", "srt", "vtt"])
def test_export_matches_its_golden_file(studio, cut, fmt):
    got = normalise(export(studio, cut["id"], fmt).text, studio, cut)
    golden = GOLDEN / f"night-shift.{SUFFIX[fmt]}"
    if os.environ.get("MILIMO_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8"), (
        f"regenerate with MILIMO_UPDATE_GOLDEN=1 if the change is intended ({golden})"
    )


def cli_export(studio, pid: str, fmt: str, out: Path) -> subprocess.CompletedProcess:
    """`milimo export` straight from the studio's data dir, as a person runs it (no server)."""
    argv = ["export", "--project", pid, "--format", fmt, "-o", str(out), "--data-dir", str(studio.settings.data_dir)]
    return subprocess.run([sys.executable, "-m", "milimo.cli", *argv], capture_output=True, text=True, timeout=120, check=False)


def test_cli_export_writes_the_same_file_as_the_route(studio, cut, tmp_path):
    out = tmp_path / "cut.fcpxml"
    run = cli_export(studio, cut["id"], "fcpxml", out)
    assert run.returncode == 0, run.stderr
    assert "4 clips" in run.stdout and out.read_text() == export(studio, cut["id"], "fcpxml").text
    missing = cli_export(studio, "nope", "otio", tmp_path / "x.otio")
    assert missing.returncode == 2 and "does not exist" in missing.stderr and not (tmp_path / "x.otio").exists()


def test_cli_export_writes_aaf_and_otioz_that_read_back_as_the_cut(studio, cut, tmp_path):
    """The binary formats (two AAF writes of one cut differ in their bytes): read back, not compared byte for byte."""
    aaf = tmp_path / "cut.aaf"
    run = cli_export(studio, cut["id"], "aaf", aaf)
    assert run.returncode == 0, run.stderr
    assert "AAF" in run.stdout and "4 clips" in run.stdout
    assert aaf.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file, as Avid expects
    assert placements(otio.adapters.read_from_file(str(aaf), adapter_name="AAF")) == EXPECTED
    bundle = tmp_path / "cut.otioz"
    run = cli_export(studio, cut["id"], "otioz", bundle)
    assert run.returncode == 0, run.stderr
    assert len([n for n in zipfile.ZipFile(bundle).namelist() if n.startswith("media/")]) == 4
    assert placements(otio.adapters.read_from_file(str(bundle), adapter_name="otioz")) == EXPECTED


def test_fcpxml_is_version_1_11_with_media_reps(studio, cut):
    text = export(studio, cut["id"], "fcpxml").text
    assert '<fcpxml version="1.11">' in text and " src=" not in text.split("<media-rep")[0]
    assert text.count("<media-rep ") == 4 and 'frameDuration="1/24s"' in text and 'width="128" height="72"' in text
    assert text.count('hasAudio="1" hasVideo="1"') == 2, "the draft takes carry their own sound (the pips)"
