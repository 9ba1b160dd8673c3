"""DraftImageEngine: a storyboard card that stands in for Flux 2 until weights exist.

The card is one storyboard panel: a framing guide for the shot type (subject silhouettes placed
and sized as that framing would, a horizon or skyline for wide framings), rule-of-thirds lines,
action-safe and title-safe marks, the reference images as letterboxed thumbnails (the first one
also tints the subject), the shot type, and the prompt typeset in a caption band. Colours come
from the seed. Four steps, each reported through on_step.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..protocols import ImageCapabilities, ImageRequest, StepCallback
from .base import DraftEngine
from .drawing import RGB, draw_lines, fit, font, letterbox, line_height, palette, rng, vertical_gradient
from .framing import draw_framing
from .shots import find_shot_type, label, normalise_shot_type
from .typeset import draw_text

STEPS = 4


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x * (1 - t) + y * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _mean_colour(image: Image.Image) -> RGB:
    small = np.asarray(image.convert("RGB").resize((16, 16), Image.Resampling.BILINEAR), dtype=np.float32)
    return tuple(int(v) for v in small.reshape(-1, 3).mean(axis=0).round())  # type: ignore[return-value]


def subject_colour(seed: int, references: list[Image.Image]) -> RGB:
    """The silhouette's fill: the first reference's mean colour, else the seed's accent."""
    pal = palette(seed)
    return _mix(_mean_colour(references[0]), pal.ground, 0.15) if references else _mix(pal.accent, pal.ground, 0.25)


class DraftImageEngine(DraftEngine):
    kind = "storyboard card"
    details = {
        "draws": "a framing guide for the shot type, rule-of-thirds and safe-area marks, reference thumbnails, the prompt typeset"
    }
    capabilities = ImageCapabilities(
        size_multiple=16,
        min_size=64,
        max_size=2048,
        max_references=4,
        supports_negative_prompt=False,
        supports_true_cfg=False,
    )

    def generate(self, request: ImageRequest, on_step: StepCallback) -> Image.Image:
        w, h = request.width, request.height
        caps = self.capabilities
        if not (caps.min_size <= w <= caps.max_size and caps.min_size <= h <= caps.max_size):
            raise ValueError(f"width and height must be between {caps.min_size} and {caps.max_size}; got {w}x{h}")
        refs = list(request.references)[: caps.max_references]
        pal = palette(request.seed)
        r = rng(request.seed, "storyboard")
        shot = normalise_shot_type(request.context.shot_type) or find_shot_type(request.prompt) or "medium"
        unit = min(w, h)

        # 1. the world: sky-to-ground gradient
        img = vertical_gradient((w, h), _mix(pal.paper, pal.ground_light, 0.15), _mix(pal.paper, pal.accent, 0.35))
        on_step(1, STEPS)

        # 2. the framing guide: where the subject sits in this shot type
        subject = subject_colour(request.seed, refs)
        line = _mix(pal.ground, (0, 0, 0), 0.4)
        d = ImageDraw.Draw(img)
        draw_framing(
            d, (w, h), shot, r, subject, line, _mix(pal.paper, pal.ground_light, 0.55), _mix(pal.ground, pal.ground_light, 0.5)
        )
        on_step(2, STEPS)

        # 3. references: letterboxed thumbnails along the top right, inside the title-safe area
        if refs:
            tw = round(min(w * 0.8 / len(refs) - unit * 0.02, unit * 0.24))
            th = round(tw * 0.75)
            x = w * 0.9 - tw
            y = h * 0.1 + line_height(font(max(8, round(unit * 0.045)))) * 1.4
            for i, ref in enumerate(refs):
                thumb = letterbox(ref, (tw, th), pal.ground)
                img.paste(thumb, (round(x), round(y)))
                d.rectangle((x - 1, y - 1, x + tw, y + th), outline=pal.ink, width=max(1, round(unit / 400)))
                f = font(max(8, round(th * 0.16)))
                draw_text(d, (x + 3, y + th - line_height(f)), f"REF {i + 1}", f, pal.ink)
                x -= tw + unit * 0.02
        on_step(3, STEPS)

        # 4. guides and type: thirds, safe areas, shot label, caption band
        overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        o = ImageDraw.Draw(overlay)
        guide = (*pal.ink, 120)
        lw = max(1, round(unit / 500))
        for k in (1, 2):
            o.line((w * k / 3, 0, w * k / 3, h), fill=guide, width=lw)
            o.line((0, h * k / 3, w, h * k / 3), fill=guide, width=lw)
        _corner_marks(o, (w * 0.05, h * 0.05, w * 0.95, h * 0.95), unit * 0.05, guide, lw)  # action safe
        _corner_marks(o, (w * 0.1, h * 0.1, w * 0.9, h * 0.9), unit * 0.03, guide, lw)  # title safe
        c = unit * 0.02
        o.line((w / 2 - c, h / 2, w / 2 + c, h / 2), fill=guide, width=lw)
        o.line((w / 2, h / 2 - c, w / 2, h / 2 + c), fill=guide, width=lw)
        band_top = h * 0.76
        o.rectangle((0, band_top, w, h), fill=(*pal.ground, 215))
        img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
        d = ImageDraw.Draw(img)

        lf = font(max(8, round(unit * 0.045)))
        tag = label(shot)
        pad = lf.size * 0.35
        x0, y0 = w * 0.1, h * 0.1
        d.rectangle((x0, y0, x0 + lf.getlength(tag) + 2 * pad, y0 + line_height(lf) + pad), fill=pal.accent)
        draw_text(d, (x0 + pad, y0 + pad * 0.6), tag, lf, pal.ground)
        sf = font(max(8, round(unit * 0.03)))
        stamp = f"DRAFT STORYBOARD  ·  seed {request.seed}"
        draw_text(d, (w * 0.9 - sf.getlength(stamp), h * 0.1 - line_height(sf) * 1.1), stamp, sf, pal.ground)
        text = request.prompt.strip() or "(no prompt)"
        m = w * 0.05
        pf, lines = fit(text, w - 2 * m, h - band_top - unit * 0.05, max(9, round(unit * 0.05)), 8)
        draw_lines(d, (m, band_top + unit * 0.025, w - m, h), lines, pf, pal.ink, valign="middle")
        on_step(4, STEPS)
        return img


def _corner_marks(o: ImageDraw.ImageDraw, box: tuple[float, float, float, float], arm: float, fill: tuple, width: int) -> None:
    x0, y0, x1, y1 = box
    for x, y, sx, sy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
        o.line((x, y, x + sx * arm, y), fill=fill, width=width)
        o.line((x, y, x, y + sy * arm), fill=fill, width=width)
