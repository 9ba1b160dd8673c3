"""Still images: save JPEGs and quarter-size thumbnails atomically, load uploads safely."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from milimo.fsutil import atomic_path
from milimo.media.errors import MediaError

# 64 megapixels: an 8K still fits, a decompression bomb does not (each RGB megapixel is 3 MB).
MAX_PIXELS = 64_000_000


def save_jpeg(img: Image.Image | np.ndarray, out_path: Path | str, quality: int = 95) -> Path:
    """Write `img` as a JPEG at out_path, atomically; alpha is dropped. Returns out_path."""
    image = _as_rgb(img)
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        # The temporary name ends in .part.<suffix>; say the format rather than trust the name.
        image.save(tmp, format="JPEG", quality=quality, optimize=True)
    return out_path


def save_thumbnail(img: Image.Image | np.ndarray, out_path: Path | str, scale: float = 0.25) -> Path:
    """Write a JPEG scaled by `scale` (quarter size by default, at least 1x1 px). Returns out_path."""
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    image = _as_rgb(img)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size != image.size:
        # reducing_gap: a fast integer box reduction first, Lanczos for the last factor.
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return save_jpeg(image, out_path, quality=85)


def load_rgb(path: Path | str, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode an image file to RGB, upright per its EXIF orientation.

    Raises MediaError for files that are not images, are truncated, or have more than
    `max_pixels` pixels (checked from the header, before any pixel is decoded).
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice its limit; we want a clear error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                pixels = im.width * im.height
                if pixels > max_pixels:
                    raise MediaError(
                        f"{path.name}: {im.width}x{im.height} is {pixels / 1e6:.0f} megapixels, "
                        f"more than the {max_pixels / 1e6:.0f} allowed; resize it first"
                    )
                im.load()
                return _as_rgb(ImageOps.exif_transpose(im))
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(f"{path.name}: the image is too large to decode safely ({exc})") from exc
    except FileNotFoundError as exc:
        raise MediaError(f"{path.name}: no such file") from exc
    except UnidentifiedImageError as exc:
        raise MediaError(f"{path.name}: not an image format we can read") from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise MediaError(f"{path.name}: the image could not be decoded ({exc})") from exc


def _as_rgb(img: Image.Image | np.ndarray) -> Image.Image:
    if isinstance(img, np.ndarray):
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"expected a uint8 (height, width, 3) RGB array, got {img.dtype} {img.shape}")
        return Image.fromarray(img)
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        # Flatten onto black, as a player shows transparent video; convert() alone would keep
        # whatever colour hides under alpha 0.
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return img.convert("RGB")
