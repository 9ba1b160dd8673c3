"""Images in (size- and pixel-capped, decoded for real) and binary masks out (0/255 PNG)."""

from __future__ import annotations

import base64
import io
import warnings
from typing import BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from milimo.errors import TooLarge, Unsupported

CHUNK = 1024 * 1024


def read_capped(stream: BinaryIO, limit: int) -> bytes:
    """All bytes of an upload, or TooLarge as soon as it passes `limit` (never buffers more)."""
    buf = io.BytesIO()
    while chunk := stream.read(CHUNK):
        if buf.tell() + len(chunk) > limit:
            raise TooLarge(f"the image is larger than {limit} bytes (MILIMO_SAM_MAX_IMAGE_BYTES)")
        buf.write(chunk)
    if buf.tell() == 0:
        raise Unsupported("the image is empty; send a PNG, JPEG or WebP file")
    return buf.getvalue()


def decode_image(data: bytes, max_pixels: int) -> np.ndarray:
    """uint8 RGB (height, width, 3), upright per EXIF. 413 past the pixel cap (read from the header), 415 if not an image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if im.width * im.height > max_pixels:
                    raise TooLarge(
                        f"the image is {im.width}x{im.height}; the limit is {max_pixels} pixels (MILIMO_SAM_MAX_IMAGE_PIXELS)"
                    )
                im.load()
                rgb = ImageOps.exif_transpose(im).convert("RGB")
    except (TooLarge, Unsupported):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge("the image is too large to decode safely") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Unsupported("the upload is not an image we can decode; send a PNG, JPEG or WebP file") from None
    return np.asarray(rgb, dtype=np.uint8)


def mask_png(mask: np.ndarray) -> bytes:
    """A boolean (or 0/1) mask -> 8-bit grayscale PNG, 255 = selected."""
    ok, buf = cv2.imencode(".png", np.where(mask, 255, 0).astype(np.uint8))
    if not ok:  # pragma: no cover - OpenCV refuses only empty arrays
        raise ValueError("mask could not be encoded")
    return buf.tobytes()


def mask_b64(mask: np.ndarray) -> str:
    return base64.b64encode(mask_png(mask)).decode("ascii")


def read_mask_png(data: bytes) -> np.ndarray:
    """The inverse of mask_png: PNG bytes -> boolean (height, width)."""
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if arr is None:
        raise ValueError("not a PNG mask")
    return arr > 127


def bbox(mask: np.ndarray) -> list[int] | None:
    """[x0, y0, x1, y1] (x1, y1 exclusive) of the selected pixels, or None for an empty mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
