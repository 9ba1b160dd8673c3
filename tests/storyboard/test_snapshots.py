"""A checked-in snapshot of the parse of every fixture, and parse -> export -> parse stability.

After an intended change to the parser, rewrite the snapshots with
`MILIMO_UPDATE_SNAPSHOTS=1 pytest tests/storyboard/test_snapshots.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from milimo.storyboard import parse_script
from milimo.storyboard.export import write_fountain
from milimo.storyboard.fdx import write_fdx
from tests.storyboard.conftest import fixture_text

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
FIXTURES = ["three_scenes.fountain", "three_scenes.fdx", "paragraphs.txt", "numbered.txt", "title_page_only.fountain"]


@pytest.mark.parametrize("name", FIXTURES)
def test_parse_matches_the_snapshot(name):
    result = parse_script(fixture_text(name)).as_dict()
    path = SNAPSHOTS / f"{name}.json"
    if os.environ.get("MILIMO_UPDATE_SNAPSHOTS") == "1":
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert result == json.loads(path.read_text(encoding="utf-8")), f"the parse of {name} changed; see {path}"


def content(board, synopsis: bool = True) -> list:
    """What a storyboard says, without where it was in the file (FDX has no synopses)."""
    return [
        (
            sc.heading,
            sc.scene_number,
            sc.forced,
            sc.synopsis if synopsis else "",
            [
                (s.kind, s.action, s.dialogue, s.character, s.shot_type, s.dual, s.transition, s.num_frames, s.prompt)
                for s in sc.shots
            ],
        )
        for sc in board.scenes
    ]


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("writer, mode", [(write_fountain, "fountain"), (write_fdx, "fdx")])
def test_parse_export_parse_is_stable(name, writer, mode):
    first = parse_script(fixture_text(name))
    exported = writer(first)
    second = parse_script(exported, mode)
    assert content(second, mode == "fountain") == content(first, mode == "fountain")
    assert second.title_page == first.title_page
    assert writer(second) == exported  # and the export itself is a fixed point
