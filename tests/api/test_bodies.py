"""A save's body validated in pieces (api/bodies.py) says exactly what one validate_json call says."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from milimo.api.bodies import PIECE, PiecewiseJSON
from milimo.studio.schemas import ProjectSave

SAVE = PiecewiseJSON(ProjectSave)


def shots(n: int) -> list[dict]:
    return [
        {"id": f"s{i}", "prompt": f'Shot {i} 名前 "q"', "start_frame": i * 121, "timeline": [{"asset_id": "a", "strength": 0.3}]}
        for i in range(n)
    ]


def outcome(raw: bytes):
    try:
        return "ok", ProjectSave.model_validate_json(raw).model_dump(), None
    except ValidationError as e:
        return "error", None, e.errors(include_url=False)


def outcome_in_pieces(raw: bytes):
    try:
        body = SAVE.validate_json(raw)
        return "ok", body.model_dump(), body.model_fields_set
    except ValidationError as e:
        return "error", None, e.errors(include_url=False)


BODIES = {
    "many shots": {"base_version": 3, "scenes": [{"name": "INT. LAB"}], "shots": shots(PIECE * 3 + 7)},
    "a few shots": {"base_version": 3, "shots": shots(3)},
    "a bad shot in a later piece": {"base_version": 3, "shots": [*shots(PIECE + 50), {"id": "x", "seed": "7"}]},
    "an unknown field in a shot": {"base_version": 3, "shots": [*shots(PIECE * 2), {"id": "x", "sed": 7}]},
    "a bad envelope": {"base_version": 0, "shots": shots(PIECE * 2)},
    "too many shots": {"base_version": 3, "shots": [{} for _ in range(20_001)]},
    "shots not a list": {"base_version": 3, "shots": {"id": "a"}},
}


@pytest.mark.parametrize("name", list(BODIES))
def test_pieces_answer_as_the_whole_call(name):
    raw = json.dumps(BODIES[name]).encode()
    whole, pieces = outcome(raw), outcome_in_pieces(raw)
    assert pieces[:2] == whole[:2] if whole[0] == "ok" else pieces == whole
    if whole[0] == "ok":
        assert pieces[2] == ProjectSave.model_validate_json(raw).model_fields_set


@pytest.mark.parametrize(
    "text",
    [
        b"[1, 2]",
        b"not json",
        b'{"base_version": 3, "shots": [' + b",".join([b'{"cfg_scale": 1e400}'] * (PIECE + 1)) + b"]}",  # infinity
        b'{"base_version": 3, "shots": [' + b",".join([b'{"seed": 99999999999999999999999}'] * (PIECE + 1)) + b"]}",
        b'{"base_version": 3, "shots": [' + b",".join([b'{"id": "a", "id": "b", "fps": NaN}'] * (PIECE + 1)) + b"]}",
    ],
)
def test_unusual_json_is_read_as_validate_json_reads_it(text):
    whole, pieces = outcome(text), outcome_in_pieces(text)
    assert whole[0] == "error" and repr(pieces) == repr(whole)  # repr: NaN is not equal to itself


def test_duplicate_keys_keep_the_last_as_validate_json_does():
    text = b'{"base_version": 3, "shots": [' + b",".join([b'{"id": "a", "id": "b"}'] * (PIECE + 1)) + b"]}"
    assert outcome_in_pieces(text)[1] == outcome(text)[1] and outcome(text)[1]["shots"][0]["id"] == "b"
