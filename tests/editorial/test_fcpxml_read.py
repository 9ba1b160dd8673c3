"""FCPXML as Final Cut writes it (asset-clips, a timecode start of 01:00:00:00, a secondary
storyline, a compound clip) read into the tracks the import matches and re-times."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from milimo.editorial.fcpxml_read import FcpxmlError, read_fcpxml, seconds

FINAL_CUT = """<fcpxml version="1.11">
  <resources>
    <format id="r1" frameDuration="1/24s" width="1920" height="1080"/>
    <asset id="r2" name="a" start="3600s" duration="10s" hasVideo="1" hasAudio="1">
      <media-rep kind="original-media" src="file:///Volumes/Media/job_a.mp4"/>
    </asset>
    <asset id="r3" name="b" start="0s" duration="10s" hasVideo="1">
      <media-rep kind="original-media" src="file:///Volumes/Media/My%20Take.mp4"/>
    </asset>
    <asset id="r4" name="tone" start="0s" duration="60s" hasAudio="1" src="file:///Volumes/Media/tone.wav"/>
    <media id="r5" name="Compound"><sequence format="r1"><spine/></sequence></media>
  </resources>
  <library><event name="Ev"><project name="P">
    <sequence format="r1" tcStart="3600s" duration="20s">
      <spine>
        <asset-clip ref="r2" name="Sc 1 · Sh 1" offset="3600s" start="3601s" duration="2s">
          <metadata><md key="com.milimo.shot_id" value="p-a"/></metadata>
          <asset-clip ref="r4" name="Tone" lane="-1" offset="3601s" start="0s" duration="1s"/>
          <spine lane="1" offset="3602s">
            <asset-clip ref="r3" name="B1" offset="0s" start="0s" duration="1s"/>
            <asset-clip ref="r3" name="B2" offset="1s" start="2s" duration="1s"/>
          </spine>
        </asset-clip>
        <gap name="Gap" offset="3602s" start="3600s" duration="1s"/>
        <ref-clip ref="r5" name="Compound" offset="3603s" duration="1s"/>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>"""


def frames(pair):
    value, rate = pair
    assert rate == 24
    return round(value)


def test_final_cut_layout_reads_into_tracks_in_frames():
    tracks = read_fcpxml(ET.fromstring(FINAL_CUT), 100)
    assert [(t["kind"], t["name"]) for t in tracks] == [("video", "V1"), ("video", "V2"), ("audio", "A1")]
    v1, v2, a1 = (t["items"] for t in tracks)
    a = v1[0]
    # at the sequence's start (its timecode 3600 s); 1 s into media whose own timecode starts at 3600 s; 2 s long
    assert (a["shot_id"], a["media_name"], frames(a["start"]), frames(a["source_start"]), frames(a["duration"])) == (
        "p-a",
        "job_a.mp4",
        0,
        86_424,
        48,
    )
    assert frames(a["available_start"]) == 86_400  # 3600 s: source - available = 24 frames into the media
    assert v1[1] == {"type": "stack", "name": "Compound"}
    # a connected clip: parent offset + (its offset - parent start) = 0 + (3601 - 3601) s
    assert (a1[0]["name"], frames(a1[0]["start"]), a1[0]["media_name"]) == ("Tone", 0, "tone.wav")
    # the secondary storyline starts 1 s into the parent's local time, its clips end to end
    assert [(c["name"], frames(c["start"]), frames(c["source_start"]), c["media_name"]) for c in v2] == [
        ("B1", 24, 0, "My Take.mp4"),
        ("B2", 48, 48, "My Take.mp4"),
    ]


@pytest.mark.parametrize(
    "doc, words",
    [
        ("<fcpxml/>", "no <sequence>"),
        ("<fcpxml><sequence/></fcpxml>", "no <spine>"),
        ('<fcpxml><sequence><spine><asset-clip offset="1" duration="1s"/></spine></sequence></fcpxml>', "rational seconds"),
        ('<fcpxml><sequence><spine><asset-clip offset="1/0s" duration="1s"/></spine></sequence></fcpxml>', "not a number"),
        ('<fcpxml><sequence><spine><asset-clip offset="0s" duration="0s"/></spine></sequence></fcpxml>', "no duration"),
        (
            "<fcpxml><sequence><spine>" + '<asset-clip offset="0s" duration="1s"/>' * 3 + "</spine></sequence></fcpxml>",
            "more than 2",
        ),
    ],
)
def test_what_cannot_be_read_says_why(doc, words):
    with pytest.raises(FcpxmlError, match=words):
        read_fcpxml(ET.fromstring(doc), 2)


def test_rational_seconds():
    assert seconds("1001/24000s") * 24000 == 1001 and seconds("5s") == 5 and seconds(None) == 0
