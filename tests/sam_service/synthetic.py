"""Synthetic pictures with a known answer: an object on a textured background, a square that moves."""

from __future__ import annotations

import numpy as np


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def background(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A blue-green gradient with noise: texture, but nothing like the objects' colours."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([20 + 30 * xx / w, 90 + 60 * yy / h, 140 + 40 * xx / w], axis=-1)
    img = img + rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def scene_with_object(h: int = 240, w: int = 320, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(image, truth): an orange ellipse with a darker stripe across it."""
    img = background(h, w, seed)
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy, rx, ry = w * 0.55, h * 0.5, w * 0.18, h * 0.25
    truth = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    rng = np.random.default_rng(seed + 1)
    obj = np.array([225, 120, 40], float) + rng.normal(0, 10, (h, w, 3))
    obj[(yy - cy) % 24 < 6] *= 0.75
    img[truth] = np.clip(obj[truth], 0, 255).astype(np.uint8)
    return img, truth


def moving_square(frames: int = 48, h: int = 144, w: int = 192, side: int = 36, seed: int = 0):
    """(frames, truths): a textured red square sliding right and down across a static background."""
    rng = np.random.default_rng(seed)
    bg = background(h, w, seed)
    texture = np.clip(np.array([200, 40, 50], float) + rng.normal(0, 35, (side, side, 3)), 0, 255).astype(np.uint8)
    out, truths = [], []
    for i in range(frames):
        x, y = 10 + round(i * 2.5), 12 + round(i * 1.2)
        img = bg.copy()
        img[y : y + side, x : x + side] = texture
        truth = np.zeros((h, w), bool)
        truth[y : y + side, x : x + side] = True
        out.append(img)
        truths.append(truth)
    return out, truths
