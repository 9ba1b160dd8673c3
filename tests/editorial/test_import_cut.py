"""Round trip: export the cut, edit it as an editor would, import it, see the timeline and the report."""

from __future__ import annotations

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from milimo.editorial.cutfile import MAX_CLIPS
from milimo.editorial.reading import MAX_CUT_BYTES
from tests.editorial.conftest import build_cut
from tests.editorial.test_export import EXPECTED, A, V, placements
from tests.state import state_shots

R = 24


def shots_of(studio, pid):
    state = studio.get(f"/projects/{pid}").json()
    return state, {s["id"].split("-", 1)[1]: s for s in state_shots(state)}


def exported(studio, pid, fmt="otio") -> otio.schema.Timeline:
    r = studio.get(f"/projects/{pid}/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return otio.adapters.read_from_string(r.text, {"otio": "otio_json", "fcp7xml": "fcp_xml"}[fmt])


def send(studio, pid, text: str | bytes, version: int, name="edited.otio"):
    return studio.post(
        f"/projects/{pid}/import-cut",
        data={"base_version": str(version)},
        files={"file": (name, text, "application/octet-stream")},
    )


def clip_named(timeline, name) -> tuple[otio.schema.Track, otio.schema.Clip]:
    for track in timeline.tracks:
        for item in track:
            if isinstance(item, otio.schema.Clip) and item.name == name:
                return track, item
    raise KeyError(name)


def test_move_trim_delete_and_extend_in_otio_retime_the_shots_in_one_save(studio):
    state = build_cut(studio)
    pid, version = state["id"], state["version"]
    tl = exported(studio, pid)
    v1, v2, a1 = tl.tracks
    _, a = clip_named(tl, "Sc 1 · Sh 1")
    _, b = clip_named(tl, "Sc 1 · Sh 2")
    # Trim b: in 3, 25 frames. Move a from V1 to V2 at frame 10. Delete the card. Extend the tone 20 frames past its 5 s.
    b.source_range = TimeRange(RationalTime(3, R), RationalTime(25, R))
    v1.remove(a)
    v2[:] = [otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(10, R))), a.deepcopy()]
    tone = a1[1]
    tone.source_range = TimeRange(RationalTime(10, R), RationalTime(130, R))

    r = send(studio, pid, otio.adapters.write_to_string(tl, "otio_json"), version)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["saved"] and report["project_version"] == version + 1 and report["format"] == "otio"
    changed = {c["name"]: c for c in report["changed"]}
    assert set(changed) == {"Sc 1 · Sh 1", "Sc 1 · Sh 2", "Sh 1"}
    assert changed["Sc 1 · Sh 1"]["changes"] == ["moved V1 @ 0 → V2 @ 10"]
    assert changed["Sc 1 · Sh 2"]["before"] == {"track": "V1", "start_frame": 20, "trim_in": 0, "trim_out": 0, "length": 33}
    assert changed["Sc 1 · Sh 2"]["after"] == {"track": "V1", "start_frame": 0, "trim_in": 3, "trim_out": 5, "length": 25}
    assert changed["Sh 1"]["frames_needed"] == 20 and "extended 20 frames past the end of its media" in changed["Sh 1"]["changes"]
    assert report["needs_frames"] == [{"shot_id": f"{pid[:8]}-tone", "name": "Sh 1", "frames": 20, "head_frames": 0}]
    assert report["deleted"] == [{"shot_id": f"{pid[:8]}-card", "name": "Sc 1 · Sh 3"}]

    after, shots = shots_of(studio, pid)
    assert after["version"] == version + 1 and "card" not in shots
    a_, b_, t_ = shots["a"], shots["b"], shots["tone"]
    assert (a_["track_index"], a_["start_frame"], a_["trim_in"], a_["trim_out"]) == (1, 10, 2, 3)
    assert (b_["track_index"], b_["start_frame"], b_["trim_in"], b_["trim_out"], b_["num_frames"]) == (0, 0, 3, 5, 33)
    assert (t_["track_index"], t_["start_frame"], t_["trim_in"], t_["num_frames"] - t_["trim_in"] - t_["trim_out"]) == (
        2,
        4,
        10,
        130,
    )
    assert a_["video_url"] and b_["video_url"], "takes stay attached"
    # The re-exported cut is the edited one.
    again = exported(studio, pid)
    assert [c.name for c in again.tracks[0].find_clips()] == ["Sc 1 · Sh 2"]
    assert [c.name for c in again.tracks[1].find_clips()] == ["Sc 1 · Sh 1"]


def test_fcp7_xml_round_trip_matches_by_the_master_comment_and_by_media_name(studio):
    state = build_cut(studio)
    pid, version = state["id"], state["version"]
    tl = exported(studio, pid, "fcp7xml")
    _, b = clip_named(tl, "Sc 1 · Sh 2")
    b.source_range = TimeRange(RationalTime(4, R), RationalTime(20, R))
    _, card = clip_named(tl, "Sc 1 · Sh 3")
    card.name = "Renamed by the editor"
    card.metadata.clear()  # no comment left: found by its media file's name
    xml = otio.adapters.write_to_string(tl, "fcp_xml")
    xml = xml.replace("<xmeml", "<!DOCTYPE xmeml>\n<xmeml", 1)  # as Premiere writes it: a DOCTYPE without entities is fine
    r = send(studio, pid, xml, version, "edit.xml")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["format"] == "fcp7xml" and not report["deleted"] and not report["unmatched"]
    assert [c["name"] for c in report["changed"]] == ["Sc 1 · Sh 2"]
    _, shots = shots_of(studio, pid)
    assert (shots["b"]["trim_in"], shots["b"]["trim_out"]) == (4, 9) and "card" in shots


def test_fcpxml_round_trip_matches_by_the_studio_metadata_and_by_media_name(studio):
    """Final Cut / Resolve: the FCPXML the studio wrote, edited as Final Cut does (trim B's in and out,
    move the title card on V2 later, strip the card's metadata), comes back as one save."""
    from xml.etree import ElementTree as ET

    state = build_cut(studio)
    pid, version = state["id"], state["version"]
    r = studio.get(f"/projects/{pid}/export", params={"format": "fcpxml"})
    root = ET.fromstring(r.text.split("\n", 2)[2])  # past the XML declaration and DOCTYPE
    clips = {c.get("name"): c for c in root.iter("clip")}
    b, card = clips["Sc 1 · Sh 2"], clips["Sc 1 · Sh 3"]
    b.set("start", "1/6s")  # 4 frames in at 24 fps
    b.set("duration", "5/6s")  # 20 frames: 9 left at the tail of its 33
    # A connected clip's offset is in its parent's local time, which begins at the parent's start
    # (4 frames now): 18 frames there is 14 frames after B's first frame on the timeline (frame 20).
    card.set("offset", "3/4s")
    card.remove(card.find("metadata"))  # found by its media file's name
    card.set("name", "Renamed in Final Cut")
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + ET.tostring(root, encoding="unicode")
    r = send(studio, pid, xml, version, "edit.fcpxml")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["format"] == "fcpxml" and not report["deleted"] and not report["unmatched"], report
    assert sorted(c["name"] for c in report["changed"]) == ["Sc 1 · Sh 2", "Sc 1 · Sh 3"], report
    _, shots = shots_of(studio, pid)
    assert (shots["b"]["trim_in"], shots["b"]["trim_out"]) == (4, 9)
    assert (shots["card"]["track_index"], shots["card"]["start_frame"]) == (1, 34)
    assert (shots["tone"]["track_index"], shots["tone"]["start_frame"]) == (2, 4)
    assert (shots["a"].get("track_index", 0), shots["a"].get("start_frame", 0)) == (0, 0)


def test_aaf_round_trip_matches_by_media_and_name(studio, tmp_path):
    """Avid: the AAF export read back has every clip and trim; trimmed there and sent back, one save."""
    state = build_cut(studio)
    pid, version = state["id"], state["version"]
    r = studio.get(f"/projects/{pid}/export", params={"format": "aaf"})
    assert r.status_code == 200 and r.content.startswith(b"\xd0\xcf\x11\xe0"), r.text[:200]
    assert r.headers["content-disposition"].endswith(".aaf")
    path = tmp_path / "cut.aaf"
    path.write_bytes(r.content)
    tl = otio.adapters.read_from_file(str(path), adapter_name="AAF")
    # Every clip where the cut has it: the same placements (track kind, name, start, source in, length) as
    # the other formats. The adapter names the video tracks V1 and V2 but reads A1 back as "Sequence"
    # (the mob slot's name), with a source range holding the cut's length.
    assert placements(tl) == EXPECTED
    names = {(t.kind, t.name): [c.name for c in t.find_clips()] for t in tl.tracks}
    assert names == {(V, "V1"): ["Sc 1 · Sh 1", "Sc 1 · Sh 2"], (V, "V2"): ["Sc 1 · Sh 3"], (A, "Sequence"): ["Sh 1"]}, names
    _, b = clip_named(tl, "Sc 1 · Sh 2")
    b.source_range = TimeRange(RationalTime(4, R), RationalTime(20, R))
    edited = tmp_path / "edited.aaf"
    otio.adapters.write_to_file(tl, str(edited), adapter_name="AAF", use_empty_mob_ids=True)
    r = send(studio, pid, edited.read_bytes(), version, "edited.aaf")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["format"] == "aaf" and not report["deleted"] and not report["unmatched"], report
    assert [c["name"] for c in report["changed"]] == ["Sc 1 · Sh 2"]
    _, shots = shots_of(studio, pid)
    assert (shots["b"]["trim_in"], shots["b"]["trim_out"]) == (4, 9)


def test_aaf_of_shots_without_media_is_offline_clips_not_an_error(studio, tmp_path):
    """Found by the schema fuzz: the AAF writer wants every clip's media range; a shot not generated yet has none."""
    p = studio.post("/projects", json={"name": "Offline"}).json()
    shots = [
        {"id": f"{p['id'][:8]}-x", "num_frames": 49, "trim_in": 3},
        {"id": f"{p['id'][:8]}-y", "num_frames": 25, "start_frame": 46},
    ]
    studio.put(f"/projects/{p['id']}/save", json={"base_version": p["version"], "shots": shots}).raise_for_status()
    r = studio.get(f"/projects/{p['id']}/export", params={"format": "aaf"})
    assert r.status_code == 200, r.text
    (tmp_path / "offline.aaf").write_bytes(r.content)
    tl = otio.adapters.read_from_file(str(tmp_path / "offline.aaf"), adapter_name="AAF")
    [v1] = [t for t in tl.tracks if t.name == "V1"]
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in v1.find_clips()] == [(3, 46), (0, 25)]


def test_v1_gaps_close_and_a_clip_before_its_first_frame_is_flagged(studio):
    state = build_cut(studio)
    pid, version = state["id"], state["version"]
    tl = exported(studio, pid)
    v1 = tl.tracks[0]
    a, b = v1[0], v1[1]
    v1[:] = [b.deepcopy(), otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(6, R))), a.deepcopy()]
    v1[2].source_range = TimeRange(RationalTime(-4, R), RationalTime(20, R))  # 4 frames before a's media begins
    report = send(studio, pid, otio.adapters.write_to_string(tl, "otio_json"), version).json()
    assert any("6-frame gap" in n for n in report["notes"])
    a_change = next(c for c in report["changed"] if c["name"] == "Sc 1 · Sh 1")
    assert a_change["after"]["start_frame"] == 33 and a_change["after"]["trim_in"] == 0 and a_change["head_frames_needed"] == 4
    _, shots = shots_of(studio, pid)
    assert (shots["b"]["start_frame"], shots["a"]["start_frame"]) == (0, 33)


def test_an_unchanged_cut_saves_nothing(studio):
    state = build_cut(studio)
    tl = exported(studio, state["id"])
    report = send(studio, state["id"], otio.adapters.write_to_string(tl, "otio_json"), state["version"]).json()
    assert not report["saved"] and report["unchanged"] == 4 and report["project_version"] == state["version"]
    assert studio.get(f"/projects/{state['id']}").json()["version"] == state["version"]


def test_stale_base_version_gets_409_and_changes_nothing(studio):
    state = build_cut(studio)
    pid = state["id"]
    tl = exported(studio, pid)
    tl.tracks[0][0].source_range = TimeRange(RationalTime(5, R), RationalTime(10, R))
    r = send(studio, pid, otio.adapters.write_to_string(tl, "otio_json"), state["version"] - 1)
    assert r.status_code == 409 and r.json()["current"]["version"] == state["version"]
    _, shots = shots_of(studio, pid)
    assert shots["a"]["trim_in"] == 2


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xmeml version="4"><sequence><name>&lol4;</name></sequence></xmeml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE xmeml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xmeml version="4"><sequence><name>&xxe;</name></sequence></xmeml>"""


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"", 422, "empty"),
        (b"\xff\xfe\x00garbage", 422, "UTF-8"),
        (b"just some text", 415, "none of"),
        (b'{"OTIO_SCHEMA": "Timeline.1", "tracks": ', 422, "not valid JSON"),
        (b'{"OTIO_SCHEMA": "Clip.2"}', 422, "no timeline"),
        (b'{"OTIO_SCHEMA": "Timeline.1", "name": "x", "tracks": null}', 422, "no tracks"),  # segfaults OTIO's C++ walk
        # The same inside a collection segfaults OpenTimelineIO 0.18.1 itself: the reader's child dies, the studio answers.
        (
            (
                b'{"OTIO_SCHEMA": "SerializableCollection.1", "name": "c", "metadata": {}, "children": '
                b'[{"OTIO_SCHEMA": "Timeline.1", "name": "t", "tracks": null}]}'
            ),
            422,
            "crashed",
        ),
        (b'{"OTIO_SCHEMA": "Timeline.1", "tracks": {"OTIO_SCHEMA": "Stack.1", "children": 7}}', 422, "cannot read"),
        (b"[" * 100_000 + b"]" * 100_000, 415, "none of"),
        (b'{"a": ' * 5000 + b"1" + b"}" * 5000, 422, "not valid JSON"),
        (b"<xmeml><sequence>", 422, "malformed"),
        (BOMB.encode(), 422, "entities"),
        (XXE.encode(), 422, "entities"),
        (b"<html><body>hi</body></html>", 422, "neither FCP 7 XML"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, 422, "AAF file cannot be read"),
        (b'<?xml version="1.0"?><fcpxml version="1.11"/>', 422, "no <sequence>"),
        (
            b'<fcpxml version="1.11"><project><sequence><spine><asset-clip offset="zz" duration="1s"/></spine></sequence></project></fcpxml>',
            422,
            "not FCPXML rational seconds",
        ),
        (
            b'<fcpxml version="1.11"><project><sequence><spine><clip name="n" offset="0s"/></spine></sequence></project></fcpxml>',
            422,
            "no duration",
        ),
        (
            b'<xmeml version="4"><sequence><media><video><track><clipitem><name>x</name><start>zz</start></clipitem></track></video></media></sequence></xmeml>',
            422,
            "",
        ),
    ],
)
def test_hostile_or_malformed_cut_files_are_refused_with_a_clear_4xx(studio, body, status, words):
    state = build_cut(studio) if not hasattr(studio, "hostile_pid") else studio.get(f"/projects/{studio.hostile_pid}").json()
    studio.hostile_pid = state["id"]
    r = send(studio, state["id"], body, state["version"])
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert studio.get(f"/projects/{state['id']}").json()["version"] == state["version"]


def test_a_clip_without_any_timing_is_422(studio):
    state = build_cut(studio)
    tl = exported(studio, state["id"])
    clip = tl.tracks[0][0]
    clip.source_range = None
    clip.media_reference = otio.schema.MissingReference()
    r = send(studio, state["id"], otio.adapters.write_to_string(tl, "otio_json"), state["version"])
    assert r.status_code == 422 and "no usable timing" in r.json()["detail"], r.text


def test_too_large_a_cut_file_is_413(studio):
    state = build_cut(studio)
    r = send(studio, state["id"], b" " * (16 * 1024 * 1024 + 10), state["version"])  # just over: read, then refused
    assert r.status_code == 413
    r = send(studio, state["id"], b" " * (18 * 1024 * 1024), state["version"])  # far over: refused by its declared length
    assert r.status_code == 413 and "larger than" in r.json()["detail"]


def cut_of_many_clips(n: int) -> str:
    """A generated OTIO file: one track of n one-frame clips (compact JSON, well under the 16 MiB limit)."""
    track = otio.schema.Track(name="V1")
    for i in range(n):
        track.append(otio.schema.Clip(name=f"c{i}", source_range=TimeRange(RationalTime(0, R), RationalTime(1, R))))
    text = otio.adapters.write_to_string(otio.schema.Timeline(name="Many", tracks=[track]), "otio_json", indent=-1)
    assert len(text) < MAX_CUT_BYTES
    return text


def test_more_clips_than_one_save_takes_is_413_and_changes_nothing(studio):
    state = build_cut(studio)
    r = send(studio, state["id"], cut_of_many_clips(MAX_CLIPS + 1), state["version"])
    assert r.status_code == 413 and f"more than {MAX_CLIPS} clips" in r.json()["detail"], r.text[:300]
    assert studio.get(f"/projects/{state['id']}").json()["version"] == state["version"]


def test_a_file_of_someone_elses_clips_changes_nothing(studio):
    state = build_cut(studio)
    tl = otio.schema.Timeline(
        name="Other",
        tracks=[
            otio.schema.Track(
                children=[
                    otio.schema.Clip(
                        name="stranger",
                        media_reference=otio.schema.ExternalReference(target_url="file:///elsewhere/x.mov"),
                        source_range=TimeRange(RationalTime(0, R), RationalTime(10, R)),
                    )
                ]
            )
        ],
    )
    r = send(studio, state["id"], otio.adapters.write_to_string(tl, "otio_json"), state["version"])
    assert r.status_code == 422 and "none of the clips" in r.json()["detail"]


def test_unknown_format_and_empty_timeline_exports_are_422(studio):
    pid = studio.post("/projects", json={"name": "Empty"}).json()["id"]
    r = studio.get(f"/projects/{pid}/export", params={"format": "prproj"})
    assert r.status_code == 422 and "format" in r.json()["detail"]
    for fmt in ("otio", "edl", "fcpxml", "aaf"):
        r = studio.get(f"/projects/{pid}/export", params={"format": fmt})
        assert r.status_code == 422 and r.json()["code"] == "empty_timeline", r.text
    r = studio.get(f"/projects/{pid}/export", params={"format": "srt"})
    assert r.status_code == 422 and "dialogue" in r.json()["detail"]
    assert studio.get("/projects/nope/export", params={"format": "otio"}).status_code == 404


def test_linked_sound_and_extra_audio_tracks_neither_move_nor_delete_shots(studio):
    """As Premiere writes it: the video clips' own sound on the first audio tracks, the music further down."""
    state = build_cut(studio)
    tl = exported(studio, state["id"])
    _, a = clip_named(tl, "Sc 1 · Sh 1")
    linked = a.deepcopy()
    linked.metadata.clear()  # found by its media name: it is a's own sound, a stays on V1
    sound = otio.schema.Track(name="A1 (linked)", kind=otio.schema.TrackKind.Audio, children=[linked])
    tl.tracks.insert(2, sound)
    report = send(studio, state["id"], otio.adapters.write_to_string(tl, "otio_json"), state["version"]).json()
    assert not report["saved"] and not report["deleted"] and not report["unmatched"] and report["unchanged"] == 4
