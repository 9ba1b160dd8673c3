"""The typeset title card of a shot with no image: a slate with heading, action, character, dialogue.

The card is laid out like a screenplay page on a slate: clapper stripes, the scene heading in
capitals, the action as a paragraph, the character name centred above a narrower dialogue
column, and a footer that says this is a draft animatic. Its motion is a slow "breath" (a 4 %
push in and back every 12 s) that depends only on the global frame index, so a chained shot's
chunks continue the same card seamlessly.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ..protocols import ShotContext
from .camera import Canvas
from .drawing import Palette, draw_lines, fit, font, line_height, vertical_gradient
from .shots import label, normalise_shot_type
from .typeset import draw_text

BREATH_ZOOM = 1.04
BREATH_SECONDS = 12.0
_SUPERSAMPLE = 1.5


def breath(index: int, fps: float) -> float:
    period = max(1.0, BREATH_SECONDS * fps)
    return 1.0 + (BREATH_ZOOM - 1.0) * (1 - math.cos(2 * math.pi * index / period)) / 2


def render_card(context: ShotContext, prompt: str, size: tuple[int, int], pal: Palette, footer: str) -> Image.Image:
    """The card at `size` x 1.5 (supersampled; the motion resamples it down)."""
    w, h = round(size[0] * _SUPERSAMPLE), round(size[1] * _SUPERSAMPLE)
    img = vertical_gradient((w, h), pal.ground_light, pal.ground)
    d = ImageDraw.Draw(img)
    m = round(min(w, h) * 0.06)
    px = lambda frac: max(8 * _SUPERSAMPLE, h * frac)  # noqa: E731  font sizes never below 8 output pixels

    # Clapper stripes along the top edge.
    sh = round(h * 0.055)
    step = max(8, sh * 2)
    for i, x in enumerate(range(-step, w + step, step)):
        colour = pal.ink if i % 2 == 0 else pal.ground
        d.polygon([(x, 0), (x + step, 0), (x + step - sh, sh), (x - sh, sh)], fill=colour)
    y = sh + m * 0.6

    heading = (context.scene_heading or "").strip().upper()
    shot = normalise_shot_type(context.shot_type)
    tag = label(shot) if shot else (context.shot_type.strip().upper())
    tag_w = 0.0
    if tag:
        tf = font(round(px(0.042)))
        tw = tf.getlength(tag)
        pad = tf.size * 0.4
        x1 = w - m
        d.rectangle((x1 - tw - 2 * pad, y, x1, y + line_height(tf) + pad), fill=pal.accent)
        draw_text(d, (x1 - tw - pad, y + pad * 0.6), tag, tf, pal.ground)
        tag_w = tw + 3 * pad
    if heading:
        hf, lines = fit(heading, w - 2 * m - tag_w, line_height(font(round(px(0.075)))) * 2, round(px(0.075)), round(px(0.05)))
        y = draw_lines(d, (m, y, w - m - tag_w, h), lines, hf, pal.ink, bold=True)
    else:
        y += line_height(font(round(px(0.05))))
    y += m * 0.25
    d.line((m, y, w - m, y), fill=pal.accent, width=max(1, round(h * 0.006)))
    y += m * 0.5

    foot_f = font(round(px(0.034)))
    foot_y = h - m * 0.6 - line_height(foot_f)
    action = (context.action or "").strip() or (prompt.strip() if not context.dialogue else "")
    character = (context.character or "").strip().upper()
    dialogue = (context.dialogue or "").strip()
    if not (action or dialogue):
        action = prompt.strip() or "(no description)"

    speech_h = (foot_y - y) * 0.5 if dialogue else 0.0
    if action:
        af, lines = fit(action, w - 2 * m, foot_y - y - speech_h - m * 0.3, round(px(0.06)), round(px(0.04)))
        y = draw_lines(d, (m, y, w - m, h), lines, af, pal.ink) + m * 0.3
    if dialogue:
        col = w * 0.6
        x0 = (w - col) / 2
        if character:
            cf = font(round(px(0.05)))
            y = draw_lines(d, (x0, y, x0 + col, h), [character], cf, pal.accent, align="center", bold=True)
        df, lines = fit(dialogue, col, foot_y - y - m * 0.2, round(px(0.055)), round(px(0.04)))
        draw_lines(d, (x0, y, x0 + col, h), lines, df, pal.ink, align="center")
    draw_text(d, (m, foot_y), footer, foot_f, pal.accent)
    return img


class TitleCard:
    """Renders picture rows of the card for any global frame index."""

    def __init__(self, context: ShotContext, prompt: str, size: tuple[int, int], pal: Palette, fps: float, footer: str):
        self.fps = fps
        self.canvas = Canvas(render_card(context, prompt, size, pal, footer), size, max_zoom=BREATH_ZOOM)

    def picture(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """The card's picture rows at global frame `index`, drawn into `out` when given."""
        return self.canvas.render(breath(index, self.fps), out=out)
