"""Large JSON request bodies, parsed and validated in a worker thread in pieces.

A whole-project save is ~0.7-1.3 MB. One pydantic-core `validate_json` call on it holds the GIL
for its whole run (~17 ms of CPU here, 40 ms on a busy machine): the event loop cannot answer
anything meanwhile, however the work is moved off it. In pieces, no call holds the GIL for long
(sys.getswitchinterval() is 5 ms; a piece of 100 shots takes ~0.5 ms), so the loop gets its
turns between them. It costs no more CPU than the whole call.

Same answers as one `model_validate_json(raw)`: the body is parsed by pydantic-core's own JSON
parser (numbers, big integers, duplicate keys and NaN/Infinity read as validate_json reads
them), each piece is written back to JSON exactly (`to_json`, NaN/Infinity as constants) and
validated with validate_json, so strict-mode JSON rules apply unchanged. Anything unusual (not
an object, a list over its maximum length, any validation error) goes through the one whole
call, so the errors are exactly its errors.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

import pydantic_core
from annotated_types import MaxLen
from pydantic import BaseModel, TypeAdapter

PIECE = 100  # list items per validate_json call


class _ListField:
    def __init__(self, item: type[BaseModel], max_length: int | None) -> None:
        self.adapter: TypeAdapter[list[Any]] = TypeAdapter(list[item])  # type: ignore[valid-type]
        self.max_length = max_length


def _model_lists(model: type[BaseModel]) -> dict[str, _ListField]:
    """The model's top-level fields that are lists of models (by name; aliased fields are left whole)."""
    out = {}
    for name, field in model.model_fields.items():
        args = get_args(field.annotation)
        if get_origin(field.annotation) is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            if field.alias in (None, name):
                max_length = next((m.max_length for m in field.metadata if isinstance(m, MaxLen)), None)
                out[name] = _ListField(args[0], max_length)
    return out


class PiecewiseJSON:
    """`model_validate_json` for one model, with its long lists of models validated in pieces."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.lists = _model_lists(model)

    def validate_json(self, raw: bytes) -> BaseModel:
        try:
            body = self._in_pieces(raw)
        except ValueError:  # not JSON, or a ValidationError
            body = None
        return self.model.model_validate_json(raw) if body is None else body  # the whole call: its errors, exactly

    def _in_pieces(self, raw: bytes) -> BaseModel | None:
        if not self.lists:
            return None
        data = pydantic_core.from_json(raw)
        if not isinstance(data, dict):
            return None
        long = {
            name: value
            for name, spec in self.lists.items()
            if isinstance(value := data.get(name), list)
            and len(value) > PIECE
            and (spec.max_length is None or len(value) <= spec.max_length)
        }
        if not long:
            return None
        body = self.model.model_validate_json(_json({**data, **{name: [] for name in long}}))
        for name, items in long.items():
            adapter = self.lists[name].adapter
            validated: list[Any] = []
            for start in range(0, len(items), PIECE):
                validated += adapter.validate_json(_json(items[start : start + PIECE]))
            setattr(body, name, validated)  # marks the field as set, as a parsed body would
        return body


def _json(value: Any) -> bytes:
    return pydantic_core.to_json(value, inf_nan_mode="constants")
