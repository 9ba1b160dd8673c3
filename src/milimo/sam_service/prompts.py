"""Prompts from clients: points, labels and boxes parsed as JSON numbers and checked against the image.

Nothing a client sends is ever evaluated. Form fields arrive as JSON text and are read with
`json.loads` (NaN and Infinity refused), then checked by pydantic with strict numbers; a point
outside the image is a 422 that says which one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    ValidationError,
)

from milimo.errors import Invalid

MAX_POINTS = 64
Coord = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]
Point = Annotated[list[Coord], Field(min_length=2, max_length=2)]
Points = Annotated[list[Point], Field(max_length=MAX_POINTS)]
Labels = Annotated[list[Annotated[StrictInt, Field(ge=0, le=1)]], Field(max_length=MAX_POINTS)]
Box = Annotated[list[Coord], Field(min_length=4, max_length=4)]
Threshold = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

_POINTS = TypeAdapter(Points)
_LABELS = TypeAdapter(Labels)
_BOX = TypeAdapter(Box)


@dataclass(frozen=True)
class GeometryPrompt:
    """Clicks and a box in image pixels. label 1 = part of the object, 0 = not."""

    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1

    @property
    def empty(self) -> bool:
        return not self.points and self.box is None

    @property
    def positives(self) -> list[tuple[float, float]]:
        return [p for p, lab in zip(self.points, self.labels) if lab == 1]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json_field(field: str, text: str | None, adapter: TypeAdapter) -> Any:
    """One form field: JSON text -> validated Python value. Invalid (422) with the field's name."""
    if text is None or text.strip() == "":
        return None
    if len(text) > 16_384:
        raise Invalid(f"{field}: {len(text)} characters is too long for a prompt")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise Invalid(
            f"{field} must be JSON numbers, e.g. [[120, 80]] for points or [10, 10, 200, 150] for a box ({exc})"
        ) from None
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = "".join(f"[{p}]" for p in problem["loc"])
        raise Invalid(f"{field}{where}: {problem['msg']}") from None


def geometry(points: list | None, labels: list | None, box: list | None, width: int, height: int) -> GeometryPrompt:
    """Check already-parsed values against the image size (pixels, 0..width and 0..height)."""
    points = points or []
    if labels is None or len(labels) == 0:
        labels = [1] * len(points)
    if len(labels) != len(points):
        raise Invalid(f"labels has {len(labels)} entries but points has {len(points)}; give one label (1 or 0) per point")
    for n, (x, y) in enumerate(points):
        if not (0 <= x <= width and 0 <= y <= height):
            raise Invalid(f"points[{n}] = ({x}, {y}) is outside the {width}x{height} image; points are pixels")
    if box is not None:
        x0, y0, x1, y1 = box
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise Invalid(f"box {box} must be [x0, y0, x1, y1] in pixels with x0 < x1 <= {width} and y0 < y1 <= {height}")
    prompt = GeometryPrompt(
        tuple((float(x), float(y)) for x, y in points),
        tuple(int(v) for v in labels),
        (float(box[0]), float(box[1]), float(box[2]), float(box[3])) if box is not None else None,
    )
    if prompt.box is None and not prompt.positives:
        raise Invalid("give at least one positive point (label 1) or a box")
    return prompt


def parse_form(points: str | None, labels: str | None, box: str | None, width: int, height: int) -> GeometryPrompt:
    """The multipart form of /predict/mask -> a checked prompt."""
    return geometry(
        parse_json_field("points", points, _POINTS),
        parse_json_field("labels", labels, _LABELS),
        parse_json_field("box", box, _BOX),
        width,
        height,
    )


class GeometryBody(BaseModel):
    """The same prompt inside a JSON body (tracking)."""

    model_config = ConfigDict(extra="forbid")

    points: Points | None = None
    labels: Labels | None = None
    box: Box | None = None
