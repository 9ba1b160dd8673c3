"""Uploads: stream to disk under a size cap, decode to learn what it really is, then register.

The client's content type and file name are not trusted: the type comes from decoding the
content (Pillow for images with a pixel cap against decompression bombs, PyAV for video and
audio), and the stored name is `{random}_{sanitised stem}.{extension of the decoded format}`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from milimo.errors import TooLarge, Unsupported

# kind -> folder. "mask": a mask painted or edited in the mask editor; it sits with the masks SAM
# makes (studio/segmentation.py) and, like them, is offered to no reference picker.
UPLOAD_FOLDERS = {
    "general": "assets/uploads",
    "element": "assets/elements",
    "reference": "assets/references",
    "mask": "masks",
}
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
    "BMP": ("bmp", "image/bmp"),
    "TIFF": ("tif", "image/tiff"),
}
# PyAV container names -> (extension, mime). Anything else is refused.
AV_FORMATS = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("mp4", "video/mp4"),
    "matroska,webm": ("webm", "video/webm"),
    "avi": ("avi", "video/x-msvideo"),
    "wav": ("wav", "audio/wav"),
    "mp3": ("mp3", "audio/mpeg"),
    "ogg": ("ogg", "audio/ogg"),
    "flac": ("flac", "audio/flac"),
    "aac": ("aac", "audio/aac"),
}
MAX_VIDEO_SIDE = 8192
CHUNK = 1024 * 1024


@dataclass
class Sniffed:
    media_type: str  # image | video | audio
    extension: str
    mime: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    fps: float | None = None
    num_frames: int | None = None


def sanitize_filename(name: str | None) -> str:
    """A safe stem from a client's file name: no folders, no dots in front, ASCII word characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:80]
    return stem or "upload"


def display_name(name: str | None, extension: str) -> str:
    """The name the library shows: the user's own file name, extension included (only folders and
    control characters go). A name without an extension gets the decoded format's."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")).strip()
    if not base.lstrip("."):
        return f"upload.{extension}"
    if "." not in base.lstrip("."):
        base = f"{base}.{extension}"
    if len(base) > 120:  # keep the extension when a long name is shortened
        stem, _, ext = base.rpartition(".")
        base = f"{stem[: 119 - len(ext)]}.{ext}"
    return base


def copy_limited(src: BinaryIO, dest: Path, limit: int) -> int:
    """Copy at most `limit` bytes; TooLarge (and nothing left behind) past it."""
    size = 0
    try:
        with open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is larger than the upload limit of {limit} bytes (MILIMO_MAX_UPLOAD_BYTES)")
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    if size == 0:
        dest.unlink(missing_ok=True)
        raise Unsupported("the file is empty; choose an image, video or audio file")
    return size


def sniff(path: Path, max_pixels: int) -> Sniffed:
    """Decode the file to learn its real type. Unsupported (415) if it is not media we can use."""
    image = _sniff_image(path, max_pixels)
    if image is not None:
        return image
    av_media = _sniff_av(path)
    if av_media is not None:
        return av_media
    raise Unsupported(
        "the file is not an image (PNG, JPEG, WebP, GIF, BMP, TIFF), video (MP4, MOV, WebM, AVI) or audio file we can decode"
    )


def _sniff_image(path: Path, max_pixels: int) -> Sniffed | None:
    try:
        with Image.open(path) as im:
            if im.format not in IMAGE_FORMATS:
                return None
            width, height = im.size
            if width * height > max_pixels:
                # Checked from the header, before anything is decoded: a bomb never expands.
                raise TooLarge(
                    f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels (MILIMO_MAX_IMAGE_PIXELS)"
                )
            im.load()
    except (TooLarge, Unsupported):
        raise
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"the image is too large to decode safely: {exc}") from None
    except Exception:
        return None
    ext, mime = IMAGE_FORMATS[im.format]
    return Sniffed("image", ext, mime, width=width, height=height)


def _sniff_av(path: Path) -> Sniffed | None:
    """Video or audio, as the media layer probes it (it decodes the first frame, not only the header),
    then demuxed to its last packet: a file cut off is refused, and frames are counted, not read from the header."""
    from milimo.media import MediaError, probe
    from milimo.media.probe import verify_demux

    try:
        info = probe(path)
    except MediaError:
        return None
    fmt = AV_FORMATS.get(info.container)
    if fmt is None or info.kind == "image":
        return None
    try:
        measured = verify_demux(path)
    except MediaError as exc:
        reason = str(exc).split(": ", 1)[-1]  # without the temporary file's name
        raise Unsupported(f"{reason}; upload the complete file (re-export it if it came from an editor)") from None
    if info.kind == "video":
        info = dataclasses.replace(info, num_frames=measured)
    duration = info.duration or None
    if info.kind == "video":
        if max(info.width, info.height) > MAX_VIDEO_SIDE:
            return None
        return Sniffed(
            "video",
            fmt[0],
            fmt[1],
            width=info.width,
            height=info.height,
            duration_s=duration,
            fps=info.fps_float or None,
            num_frames=info.num_frames or None,
        )
    ext, mime = ("m4a", "audio/mp4") if fmt[0] == "mp4" else fmt
    return Sniffed("audio", ext, mime, duration_s=duration)


def stored_name(original: str | None, extension: str) -> str:
    return f"{uuid.uuid4().hex[:8]}_{sanitize_filename(original)}.{extension}"


def move_into_place(tmp: Path, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(tmp), str(final))
