"""Drawing helpers shared by the draft engines: seeded palettes, fonts, text typesetting, fitting.

Card text is set with the fonts that ship in milimo/assets/fonts (typeset.FontStack: Latin, Arabic,
Hebrew, Japanese/Chinese, emoji; per-glyph fallback, right-to-left shaping), so a card renders the
same on every machine with the pinned Pillow. The frame counter of the sync band keeps Pillow's
bundled font (digits only, drawn on every frame).
"""

from __future__ import annotations

import colorsys
import random
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .typeset import FontStack, base_rtl, draw_text

RGB = tuple[int, int, int]
_GOLDEN = 0.6180339887498949


def rng(seed: int, salt: str) -> random.Random:
    """A private random stream per (seed, purpose): adding a draw in one place never shifts another."""
    return random.Random(f"milimo-draft:{salt}:{seed}")


def _hls(h: float, lum: float, sat: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, lum, sat)
    return (round(r * 255), round(g * 255), round(b * 255))


@dataclass(frozen=True)
class Palette:
    """Colours of one seed: a dark ground, light ink, an accent and its complement."""

    hue: float
    ground: RGB  # dark background of slates and mattes
    ground_light: RGB  # the lighter end of background gradients
    ink: RGB  # text on the ground
    accent: RGB
    complement: RGB
    paper: RGB  # storyboard paper

    def ramp(self) -> np.ndarray:
        """A 256x3 uint8 colour ramp shadow -> accent -> highlight (a tritone), for restyling video."""
        stops = np.array([self.ground, self.accent, (245, 240, 228)], dtype=np.float32)
        x = np.linspace(0.0, 2.0, 256, dtype=np.float32)
        lo = np.clip(np.floor(x).astype(int), 0, 1)
        f = (x - lo)[:, None]
        return np.round(stops[lo] * (1 - f) + stops[lo + 1] * f).astype(np.uint8)


def palette(seed: int) -> Palette:
    r = rng(seed, "palette")
    hue = (seed * _GOLDEN + r.random() * 0.1) % 1.0
    sat = 0.45 + r.random() * 0.3
    return Palette(
        hue=hue,
        ground=_hls(hue, 0.11, sat * 0.6),
        ground_light=_hls(hue + 0.03, 0.24, sat * 0.5),
        ink=_hls(hue, 0.93, 0.25),
        accent=_hls(hue + 0.08, 0.58, sat),
        complement=_hls(hue + 0.5, 0.62, sat),
        paper=_hls(hue, 0.9, 0.18),
    )


_fonts = threading.local()  # one FreeType face per thread: faces are not safe to share across threads


def font(size: int) -> FontStack:
    """The card fonts at `size` px (any script)."""
    cache = _fonts.__dict__.setdefault("stacks", {})
    size = max(6, int(size))
    if size not in cache:
        cache[size] = FontStack(size)
    return cache[size]


def basic_font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font: for the frame counter, which shows digits and colons only."""
    cache = _fonts.__dict__.setdefault("by_size", {})
    size = max(6, int(size))
    if size not in cache:
        cache[size] = ImageFont.load_default(size=size)
    return cache[size]


def line_height(f: FontStack | ImageFont.FreeTypeFont) -> int:
    ascent, descent = f.getmetrics()
    return round((ascent + descent) * 1.15)


def wrap(text: str, f: FontStack, max_width: float) -> list[str]:
    """Greedy word wrap by measured width; words wider than a line are broken by characters."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if f.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while f.getlength(word) > max_width and len(word) > 1:
                cut = max(1, next((i for i in range(len(word), 0, -1) if f.getlength(word[:i]) <= max_width), 1))
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def fit(text: str, width: float, height: float, max_size: int, min_size: int) -> tuple[FontStack, list[str]]:
    """The largest font in [min_size, max_size] at which `text` wraps into width x height.

    At min_size the text that does not fit is cut and ends with an ellipsis, so it never overflows.
    """
    size = max(min_size, max_size)
    while True:
        f = font(size)
        lines = wrap(text, f, width)
        if len(lines) * line_height(f) <= height or size <= min_size:
            break
        size = max(min_size, int(size * 0.9))
    keep = max(1, int(height // line_height(f)))
    if len(lines) > keep:
        lines = lines[:keep]
        last = lines[-1]
        while last and f.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return f, lines


def draw_lines(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    lines: list[str],
    f: FontStack,
    fill: RGB,
    align: str = "left",
    valign: str = "top",
    bold: bool = False,
) -> float:
    """Set `lines` inside box (x0, y0, x1, y1); returns the y below the last line."""
    x0, y0, x1, y1 = box
    lh = line_height(f)
    y = y0
    if valign == "middle":
        y = y0 + max(0.0, (y1 - y0 - lh * len(lines)) / 2)
    stroke = 1 if bold and f.size >= 14 else 0
    for line in lines:
        w = f.getlength(line)
        side = "right" if align == "left" and base_rtl(line) else align  # a right-to-left line starts on the right
        x = {"left": x0, "center": (x0 + x1 - w) / 2, "right": x1 - w}[side]
        draw_text(draw, (round(x), round(y)), line, f, fill, stroke_width=stroke, stroke_fill=fill)
        y += lh
    return y


def vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    col = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return Image.fromarray(np.broadcast_to(np.round(col).astype(np.uint8), (h, w, 3)).copy())


def cover_size(src_w: float, src_h: float, dst_w: float, dst_h: float) -> tuple[float, float]:
    """The largest crop of the source with the destination's aspect (what a centre crop keeps)."""
    aspect = dst_w / dst_h
    if src_w / src_h > aspect:
        return src_h * aspect, float(src_h)
    return float(src_w), src_w / aspect


def letterbox(image: Image.Image, size: tuple[int, int], matte: RGB) -> Image.Image:
    """The whole image scaled to fit inside `size`, centred on a matte (nothing cropped)."""
    w, h = size
    im = image.convert("RGB")
    scale = min(w / im.width, h / im.height)
    tw, th = max(1, round(im.width * scale)), max(1, round(im.height * scale))
    out = Image.new("RGB", size, matte)
    out.paste(im.resize((tw, th), Image.Resampling.LANCZOS), ((w - tw) // 2, (h - th) // 2))
    return out


def wash(picture: np.ndarray, strength: float, colour: RGB) -> np.ndarray:
    """Conditioning strength made visible: below 1 the picture fades toward a flat colour."""
    if strength >= 1.0:
        return picture
    mix = (1.0 - max(0.0, strength)) * 0.7
    out = picture.astype(np.float32) * (1 - mix) + np.array(colour, np.float32) * mix
    return np.round(out).astype(np.uint8)


def restyle(picture: np.ndarray, ramp: np.ndarray, levels: int = 5) -> np.ndarray:
    """Posterise luma into `levels` bands, map them through the palette ramp, keep a quarter of the colour."""
    im = Image.fromarray(picture)
    step = 256 // levels
    banded = im.convert("L").point([min(v // step * step + step // 2, 255) for v in range(256)])
    toned = Image.frombytes("P", banded.size, banded.tobytes())
    toned.putpalette(ramp.tobytes())
    return np.asarray(Image.blend(toned.convert("RGB"), im, 0.25))
