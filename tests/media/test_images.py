"""Stills: atomic JPEG writes, quarter-size thumbnails, safe decoding of uploads."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from milimo.media import MediaError, load_rgb, save_jpeg, save_thumbnail


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but carries no pixel data: a bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_save_jpeg_writes_a_jpeg_atomically(tmp_path):
    out = tmp_path / "stills" / "frame.jpg"
    pixels = np.full((40, 60, 3), (10, 200, 90), np.uint8)

    assert save_jpeg(pixels, out) == out
    assert [p.name for p in out.parent.iterdir()] == ["frame.jpg"]
    with Image.open(out) as im:
        assert (im.format, im.size, im.mode) == ("JPEG", (60, 40), "RGB")
        assert np.abs(np.asarray(im).astype(int) - (10, 200, 90)).max() <= 3


def test_save_jpeg_flattens_transparency_onto_black(tmp_path):
    rgba = Image.new("RGBA", (8, 8), (255, 255, 255, 0))
    out = save_jpeg(rgba, tmp_path / "a.jpg")
    with Image.open(out) as im:
        assert np.asarray(im).max() <= 3


def test_save_jpeg_failure_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        save_jpeg(np.zeros((4, 4), np.float32), tmp_path / "bad.jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size, expected", [((1024, 576), (256, 144)), ((6, 2), (2, 1)), ((1, 1), (1, 1))])
def test_save_thumbnail_is_quarter_size_and_at_least_one_pixel(tmp_path, size, expected):
    out = save_thumbnail(Image.new("RGB", size, (50, 60, 70)), tmp_path / "thumb.jpg")
    with Image.open(out) as im:
        assert (im.format, im.size) == ("JPEG", expected)


def test_load_rgb_converts_modes_and_honours_exif_orientation(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    Image.new("RGB", (40, 20), (255, 0, 0)).save(path, exif=exif)
    assert load_rgb(path).size == (20, 40)

    gray = tmp_path / "gray.png"
    Image.new("LA", (5, 4), (128, 255)).save(gray)
    image = load_rgb(gray)
    assert (image.mode, image.size) == ("RGB", (5, 4))
    assert image.getpixel((0, 0)) == (128, 128, 128)


def test_load_rgb_rejects_images_over_the_pixel_limit_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (200, 200)).save(path)
    with pytest.raises(MediaError, match="200x200 is 0 megapixels"):
        load_rgb(path, max_pixels=10_000)
    assert load_rgb(path, max_pixels=40_000).size == (200, 200)


@pytest.mark.parametrize("side", [10_000, 100_000], ids=["past-pillow-warning", "past-pillow-error"])
def test_load_rgb_turns_decompression_bombs_into_media_errors(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(side, side))
    with pytest.raises(MediaError, match="bomb.png: the image is too large to decode safely"):
        load_rgb(path, max_pixels=10**12)  # our own limit out of the way: Pillow's guard must hold


def test_load_rgb_rejects_truncated_and_non_image_files(tmp_path):
    whole = tmp_path / "whole.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(whole)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:600])
    with pytest.raises(MediaError, match="cut.jpg"):
        load_rgb(cut)

    text = tmp_path / "script.png"
    text.write_text("FADE IN:")
    with pytest.raises(MediaError, match="not an image"):
        load_rgb(text)
    with pytest.raises(MediaError, match="no such file"):
        load_rgb(tmp_path / "missing.png")
