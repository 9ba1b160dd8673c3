"""Framing guides: where a shot type puts its subject, drawn as silhouettes on a storyboard panel.

Proportions follow the figure-drawing convention of about 7.5 head heights to a standing body.
Close framings put the eyes on the upper third line; wider framings stand the figure on a third
with a horizon behind; an over-the-shoulder shot crops a dark foreground shoulder at the frame edge.
"""

from __future__ import annotations

import random

from PIL import ImageDraw

from .drawing import RGB

HEADS_TALL = 7.5
EYE_LINE = 0.45  # eyes sit this far down the head


def figure(
    d: ImageDraw.ImageDraw, cx: float, top: float, head: float, fill: RGB, line: RGB, full: bool = True, face: bool = True
) -> None:
    """A standing figure, `head` pixels per head height, top of the head at `top`."""
    hw = head * 0.78
    lw = max(1, round(head * 0.04))
    shoulder_y, hip_y = top + head * 1.3, top + head * 3.7
    torso = [
        (cx - head * 0.25, top + head * 0.95),
        (cx + head * 0.25, top + head * 0.95),
        (cx + head * 1.1, shoulder_y),
        (cx + head * 1.05, hip_y if full else top + head * 9),
        (cx - head * 1.05, hip_y if full else top + head * 9),
        (cx - head * 1.1, shoulder_y),
    ]
    d.polygon(torso, fill=fill, outline=line, width=lw)
    if full:
        for side in (-1, 1):
            x0 = cx + side * head * 0.12
            x1 = cx + side * head * 0.85
            foot = top + head * HEADS_TALL
            leg = [(x0, hip_y), (x1, hip_y), (cx + side * head * 0.6, foot), (cx + side * head * 0.2, foot)]
            d.polygon(leg, fill=fill, outline=line, width=lw)
    d.ellipse((cx - hw / 2, top, cx + hw / 2, top + head), fill=fill, outline=line, width=lw)
    if face:
        ey = top + head * EYE_LINE
        d.line((cx - hw * 0.3, ey, cx + hw * 0.3, ey), fill=line, width=lw)  # eye line: where the look sits
        d.line((cx, ey, cx, top + head * 0.68), fill=line, width=lw)  # nose: which way the face turns


def horizon(d: ImageDraw.ImageDraw, size: tuple[int, int], y: float, ground: RGB) -> None:
    w, h = size
    d.rectangle((0, y, w, h), fill=ground)


def skyline(d: ImageDraw.ImageDraw, size: tuple[int, int], base: float, r: random.Random, fill: RGB, line: RGB) -> None:
    w, h = size
    x = -r.uniform(0, w * 0.05)
    while x < w:
        bw = r.uniform(0.04, 0.11) * w
        bh = r.uniform(0.08, 0.3) * h
        d.rectangle((x, base - bh, x + bw, base), fill=fill, outline=line, width=max(1, round(h / 300)))
        x += bw + r.uniform(0, 0.02) * w


def arrow(d: ImageDraw.ImageDraw, x0: float, y: float, x1: float, colour: RGB, width: int) -> None:
    d.line((x0, y, x1, y), fill=colour, width=width)
    s = 1 if x1 > x0 else -1
    head = width * 4
    d.polygon([(x1 + s * head, y), (x1, y - head * 0.7), (x1, y + head * 0.7)], fill=colour)


def draw_framing(
    d: ImageDraw.ImageDraw, size: tuple[int, int], shot: str, r: random.Random, subject: RGB, line: RGB, ground: RGB, shade: RGB
) -> None:
    """Place and size the subject (and its world) the way `shot` frames it."""
    w, h = size
    third = r.choice((1 / 3, 2 / 3))
    eyes = h / 3

    def on_eyes(head: float) -> float:
        return eyes - head * EYE_LINE

    if shot == "extreme_close_up":
        head = h * 1.6
        figure(d, w / 2, on_eyes(head), head, subject, line, full=False)
    elif shot == "close_up":
        head = h * 0.55
        figure(d, w * (0.5 + (third - 0.5) * 0.3), on_eyes(head), head, subject, line, full=False)
    elif shot == "medium_close_up":
        head = h * 0.33
        figure(d, w * (0.5 + (third - 0.5) * 0.6), on_eyes(head), head, subject, line, full=False)
    elif shot == "over_the_shoulder":
        head = h * 0.2
        near = third < 0.5
        figure(d, w * (2 / 3 if near else 1 / 3), on_eyes(head), head, subject, line, full=False)
        fg = h * 0.55
        figure(d, w * (0.08 if near else 0.92), h * 0.3, fg, shade, line, full=False, face=False)
    elif shot == "two_shot":
        head = h * 0.18
        for x in (w / 3, 2 * w / 3):
            figure(d, x, on_eyes(head), head, subject, line, full=False)
    elif shot == "cowboy":  # eyes on the upper third, the frame cuts at mid-thigh
        horizon(d, size, h * 0.62, ground)
        head = (h * 2 / 3) / (HEADS_TALL * 0.6)
        figure(d, w * third, on_eyes(head), head, subject, line, full=True)
    elif shot in ("wide", "tracking"):
        floor = h * 0.88
        horizon(d, size, h * 0.62, ground)
        tall = h * (0.6 if shot == "wide" else 0.5)
        head = tall / HEADS_TALL
        cx = w * third
        figure(d, cx, floor - tall, head, subject, line, full=True)
        if shot == "tracking":  # leading room ahead of the subject, motion arrow into it
            s = 1 if third < 0.5 else -1
            lw = max(2, round(h / 120))
            arrow(d, cx + s * head * 1.6, floor - tall * 0.55, cx + s * w * 0.22, line, lw)
            for k in range(3):
                y = floor - tall * (0.35 + 0.12 * k)
                d.line((cx - s * head * 1.5, y, cx - s * head * (2.6 + k * 0.4), y), fill=line, width=max(1, lw // 2))
    elif shot in ("establishing", "aerial"):
        base = h * (0.7 if shot == "establishing" else 0.45)
        horizon(d, size, base, ground)
        skyline(d, size, base, r, shade, line)
        head = h * 0.025
        figure(d, w * third, base + h * 0.12 - head * HEADS_TALL, head, subject, line, full=True, face=False)
    elif shot == "insert":
        bw, bh = w * 0.42, h * 0.34
        x0, y0 = (w - bw) / 2, h * 0.36
        d.rounded_rectangle((x0, y0, x0 + bw, y0 + bh), radius=h * 0.03, fill=subject, outline=line, width=max(2, round(h / 150)))
        d.line((x0, y0, x0 + bw, y0 + bh), fill=line, width=1)
        d.line((x0 + bw, y0, x0, y0 + bh), fill=line, width=1)
    elif shot == "pov":
        horizon(d, size, h * 0.55, ground)
        head = h * 0.12
        figure(d, w * third, h * 0.3, head, subject, line, full=False)
    else:  # medium, and anything the vocabulary does not know
        head = h * 0.2
        figure(d, w * third, on_eyes(head), head, subject, line, full=False)
