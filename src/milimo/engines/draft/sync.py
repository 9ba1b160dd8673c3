"""Sync aids burned into every draft frame and track: a frame-code strip, a counter, sync pips.

Every draft frame ends in a black *sync band* (the bottom `band_height(h)` rows). Its left 72 %
is the frame-code strip: 25 equal cells, white = 1, black = 0:

    1 0 | b19 b18 ... b0 (absolute frame index, MSB first) | even parity of the 20 bits | 0 1

Cells are several pixels wide and tall and pure black or white in luma, so the code survives
H.264 (yuv420p, crf 18) at 256x144 and up. `decode_frame_number` samples the middle of each
cell and answers None unless every cell is clearly black or white, both guards match and the
parity holds. The right part of the band shows the index (and SMPTE-style timecode when it
fits) as text; on the frame where a whole second starts the counter box flashes white, the
picture of the audio pip.

The audio is a 1 kHz pip one frame long at every whole second of the *global* timeline
(frame index / fps), mono float32 at 48 kHz, so chained chunks line up sample for sample.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from .drawing import basic_font

SAMPLE_RATE = 48_000
PIP_HZ = 1_000
PIP_LEVEL = 0.5
CODE_BITS = 20
MAX_INDEX = (1 << CODE_BITS) - 1  # about 12 hours at 24 fps
_GUARD_START = (1, 0)
_GUARD_END = (0, 1)
CELLS = len(_GUARD_START) + CODE_BITS + 1 + len(_GUARD_END)
STRIP_FRACTION = 0.72


def band_height(height: int) -> int:
    """Rows at the bottom of a frame that carry the code strip and the counter."""
    return max(10, min(32, round(height / 16)))


def strip_width(width: int) -> int:
    return round(width * STRIP_FRACTION)


def _bits(index: int) -> list[int]:
    data = [(index >> (CODE_BITS - 1 - i)) & 1 for i in range(CODE_BITS)]
    return [*_GUARD_START, *data, sum(data) & 1, *_GUARD_END]


@lru_cache(maxsize=8)
def _cell_of_column(width: int) -> np.ndarray:
    """The cell of each byte of a strip row (three per pixel): a row is one gather, no broadcast."""
    sw = strip_width(width)
    return np.repeat((np.arange(sw) * CELLS) // sw, 3)


@lru_cache(maxsize=32)
def as_fraction(fps: float) -> Fraction:
    """29.97 becomes 30000/1001: sample and frame arithmetic stays exact."""
    return Fraction(fps).limit_denominator(1001)


def is_second_start(index: int, fps: float) -> bool:
    """True when a whole second of the global timeline falls inside frame `index`."""
    rate = as_fraction(fps)
    p, q = rate.numerator, rate.denominator  # frame i spans [i * q / p, (i + 1) * q / p) seconds
    k = -(-index * q // p)  # the first whole second at or after the frame's start
    return k * p < (index + 1) * q


def timecode(index: int, fps: float) -> str:
    nominal = max(1, round(fps))
    ff = index % nominal
    s = index // nominal
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"


class _CounterGlyphs:
    """The counter's characters rasterised once per font size, so a frame composites them.

    Rasterising the 19 characters of a counter with FreeType on every frame cost ~0.13 ms of the
    ~1.3 ms a draft frame takes to draw, and drawing shares both cores with x264. The counter only
    ever shows digits, colons and spaces; each glyph is kept as its coverage mask with Pillow's
    offset and its (integer, hinted) advance, placed where Pillow's own layout would put it.
    """

    CHARS = "0123456789: "

    def __init__(self, size: int):
        f = basic_font(size)
        self.ascent, self.descent = f.getmetrics()
        self.masks: dict[str, tuple[np.ndarray, int, int]] = {}
        self.advance: dict[str, int] = {}
        for c in self.CHARS:
            core, (ox, oy) = f.getmask2(c, "L")
            w, h = core.size
            self.masks[c] = (np.frombuffer(bytes(core), np.uint8).reshape(h, w), ox, oy)
            self.advance[c] = round(f.getlength(c))

    def length(self, text: str) -> int:
        return sum(self.advance[c] for c in text)

    def coverage(self, text: str, shape: tuple[int, int], x: int, y: int) -> np.ndarray:
        """The text's coverage (0..255) in a (rows, cols) mask, its origin at (x, y)."""
        out = np.zeros(shape, np.uint8)
        for c in text:
            mask, ox, oy = self.masks[c]
            x0, y0 = x + ox, y + oy
            a0, b0 = max(0, -y0), max(0, -x0)  # the part of the glyph inside the mask
            sub = out[y0 + a0 : y0 + mask.shape[0], x0 + b0 : x0 + mask.shape[1]]
            np.maximum(sub, mask[a0 : a0 + sub.shape[0], b0 : b0 + sub.shape[1]], out=sub)
            x += self.advance[c]
        return out


@lru_cache(maxsize=8)
def _counter_glyphs(size: int) -> _CounterGlyphs:
    return _CounterGlyphs(size)


def _counter_size(bh: int) -> int:
    return bh - 2 if bh < 14 else round(bh * 0.7)


def render_band(index: int, width: int, height: int, fps: float) -> np.ndarray:
    """The sync band (band_height x width x 3) for absolute frame `index`."""
    band = np.empty((band_height(height), width, 3), np.uint8)
    draw_band(band, index, fps)
    return band


def draw_band(band: np.ndarray, index: int, fps: float) -> None:
    """Draw the sync band of absolute frame `index` into `band` (band_height rows x width x 3), in place."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} is outside the frame code's range 0..{MAX_INDEX}")
    bh, width = band.shape[:2]
    x0 = strip_width(width)
    band[:, :x0] = (np.array(_bits(index), np.uint8) * 255)[_cell_of_column(width)].reshape(x0, 3)
    counter = band[:, x0:]
    counter[:] = 0
    flash = is_second_start(index, fps)
    if flash:
        counter[1 : bh - 1, 2:] = 255  # the box (2, 1)..(right edge, bh - 2), edges included
    glyphs = _counter_glyphs(_counter_size(bh))
    text = f"{index:06d}  {timecode(index, fps)}"
    if glyphs.length(text) > counter.shape[1] - 6:
        text = f"{index:06d}"
    cover = glyphs.coverage(text, counter.shape[:2], 5, (bh - glyphs.ascent - glyphs.descent) // 2)
    rows, cols = np.flatnonzero(cover.any(axis=1)), np.flatnonzero(cover.any(axis=0))
    if rows.size == 0:
        return
    box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # blend only where the glyphs are
    a = cover[box].astype(np.uint16)[..., None]
    ink = 0 if flash else 235
    # Pillow's fill through a coverage mask, (ground * (255 - a) + ink * a) / 255 rounded its way; < 2**16.
    t = counter[box] * (255 - a) + ink * a + 128
    counter[box] = ((t >> 8) + t) >> 8


def picture_height(height: int) -> int:
    """Rows of a frame above the sync band: what sources render."""
    return height - band_height(height)


def stamp(picture: np.ndarray, index: int, fps: float, height: int) -> np.ndarray:
    """A full frame of `height` rows: the picture (picture_height rows) above the sync band of `index`."""
    ph, w = picture.shape[:2]
    if ph != picture_height(height):
        raise ValueError(f"picture has {ph} rows; a {height}-row frame needs {picture_height(height)}")
    frame = np.empty((height, w, 3), np.uint8)
    frame[:ph] = picture
    draw_band(frame[ph:], index, fps)
    return frame


def decode_frame_number(frame: np.ndarray) -> int | None:
    """The absolute frame index stamped into a draft frame, or None when no valid code is there."""
    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[0] < 20 or arr.shape[1] < CELLS * 2:
        return None
    h, w = arr.shape[:2]
    bh = band_height(h)
    rows = arr[h - bh + bh // 4 : h - bh // 4, : strip_width(w)].astype(np.float32)
    luma = rows[..., 0] * 0.299 + rows[..., 1] * 0.587 + rows[..., 2] * 0.114
    sw = luma.shape[1]
    bits: list[int] = []
    for c in range(CELLS):
        a, b = c * sw / CELLS, (c + 1) * sw / CELLS
        lo, hi = int(a + (b - a) * 0.25 + 0.5), int(b - (b - a) * 0.25 + 0.5)
        value = float(luma[:, lo : max(hi, lo + 1)].mean())
        if value >= 170:
            bits.append(1)
        elif value <= 85:
            bits.append(0)
        else:
            return None
    if tuple(bits[:2]) != _GUARD_START or tuple(bits[-2:]) != _GUARD_END:
        return None
    data = bits[2 : 2 + CODE_BITS]
    if sum(data) & 1 != bits[2 + CODE_BITS]:
        return None
    return int("".join(map(str, data)), 2)


def sample_at(frame_index: int, fps: float) -> int:
    """The audio sample where global frame `frame_index` starts."""
    return round(Fraction(frame_index) * SAMPLE_RATE / as_fraction(fps))


def sync_pips(start_index: int, num_frames: int, fps: float) -> np.ndarray:
    """Mono float32 (1, n) pips for global frames [start_index, start_index + num_frames)."""
    s0 = sample_at(start_index, fps)
    s1 = sample_at(start_index + num_frames, fps)
    out = np.zeros((1, s1 - s0), np.float32)
    pip_len = max(48, round(SAMPLE_RATE / float(fps)))
    ramp = SAMPLE_RATE // 1000  # 1 ms fades: no clicks, onset still within a millisecond
    t = np.arange(pip_len, dtype=np.float64)
    env = np.minimum(1.0, np.minimum(t + 1, pip_len - t) / ramp)
    pip = (PIP_LEVEL * env * np.sin(2 * np.pi * PIP_HZ * t / SAMPLE_RATE)).astype(np.float32)
    first = max(0, (s0 - pip_len) // SAMPLE_RATE + 1)
    for k in range(first, s1 // SAMPLE_RATE + 1):
        p0 = k * SAMPLE_RATE
        a, b = max(p0, s0), min(p0 + pip_len, s1)
        if a < b:
            out[0, a - s0 : b - s0] = pip[a - p0 : b - p0]
    return out
