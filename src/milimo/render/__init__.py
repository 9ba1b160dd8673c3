"""Getting the film out: the cut as data (cut.py) and the master render of it (master.py).

`load_cut(db, settings, project_id)` gives the timeline as the player shows it;
`render_cut(cut, out_path, options=RenderOptions(...))` writes the master (docs/render.md).
"""

from milimo.render.cut import (
    TRACK_NAMES,
    Cut,
    CutClip,
    CutMedia,
    Track,
    load_cut,
    visible_length,
)
from milimo.render.master import RenderOptions, RenderResult, render_cut, render_range

__all__ = [
    "TRACK_NAMES",
    "Cut",
    "CutClip",
    "CutMedia",
    "RenderOptions",
    "RenderResult",
    "Track",
    "load_cut",
    "render_cut",
    "render_range",
    "visible_length",
]
