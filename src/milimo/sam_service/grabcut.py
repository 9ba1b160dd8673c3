"""Masks from clicks or a box with OpenCV GrabCut: the draft engine's segmenter (no weights, CPU).

GrabCut fits colour models to "surely object", "probably object" and "probably background"
seeds and cuts the graph between them. Clicks become seeds: a small disk that is surely the
object (or surely not, for label 0) inside a larger disk that is probably the object. A box
makes everything outside it background. The cut runs on a copy at most WORK_SIDE pixels wide
(GrabCut is cubic-ish in practice), and only connected regions that hold a positive click
(or, for a box alone, the largest region) are kept: a click selects one thing, not every
patch of a similar colour.
"""

from __future__ import annotations

import cv2
import numpy as np

from milimo.sam_service.prompts import GeometryPrompt

WORK_SIDE = 640
ITERATIONS = 5


def _seed_mask(shape: tuple[int, int], prompt: GeometryPrompt, scale: float) -> np.ndarray:
    h, w = shape
    seeds = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    if prompt.box is not None:
        x0, y0, x1, y1 = (round(v * scale) for v in prompt.box)
        seeds[:] = cv2.GC_BGD
        seeds[max(0, y0) : max(y0 + 1, y1), max(0, x0) : max(x0 + 1, x1)] = cv2.GC_PR_FGD
    side = min(h, w)
    sure_r, likely_r = max(2, side // 80), max(4, side // 8)
    for (x, y), label in zip(prompt.points, prompt.labels):
        c = (round(x * scale), round(y * scale))
        if label == 1:
            if prompt.box is None:
                cv2.circle(seeds, c, likely_r, cv2.GC_PR_FGD, -1)
            cv2.circle(seeds, c, sure_r, cv2.GC_FGD, -1)
    for (x, y), label in zip(prompt.points, prompt.labels):  # refusals win over every other seed
        if label == 0:
            cv2.circle(seeds, (round(x * scale), round(y * scale)), sure_r * 2, cv2.GC_BGD, -1)
    return seeds


def _keep_clicked_regions(mask: np.ndarray, prompt: GeometryPrompt, scale: float) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    h, w = mask.shape
    keep = {labels[min(h - 1, int(y * scale)), min(w - 1, int(x * scale))] for x, y in prompt.positives} - {0}
    if not keep:  # a box alone (or clicks that landed on background): the largest region
        keep = {1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))}
    return np.isin(labels, list(keep))


def grabcut_mask(image: np.ndarray, prompt: GeometryPrompt, iterations: int = ITERATIONS) -> np.ndarray:
    """Boolean mask at the image's size for `prompt` (pixels)."""
    h, w = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = (
        image
        if scale == 1.0
        else cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    )
    seeds = _seed_mask(small.shape[:2], prompt, scale)
    if not np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).any():
        return np.zeros((h, w), bool)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(small[:, :, ::-1])
    try:
        cv2.grabCut(bgr, seeds, (0, 0, 0, 0), bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)  # rect unused with a mask
    except cv2.error:  # no background seeds at all (a box over the whole image): keep the seeds as they are
        pass
    fg = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))
    fg = _keep_clicked_regions(fg, prompt, scale)
    if scale != 1.0:
        fg = cv2.resize(fg.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR) >= 0.5
    return fg


def refine(image: np.ndarray, estimate: np.ndarray, band: int, iterations: int = 3) -> np.ndarray:
    """Snap a rough mask (a warped mask from the previous frame) to this frame's edges.

    The estimate's core (eroded by `band`) is surely the object, the ring around it is
    undecided, and everything further than `band` outside is surely background. Runs on the
    estimate's bounding box plus a margin, so the cost follows the object, not the frame.
    """
    ys, xs = np.nonzero(estimate)
    if len(xs) == 0:
        return estimate
    h, w = estimate.shape
    m = 2 * band + 4
    x0, y0, x1, y1 = max(0, xs.min() - m), max(0, ys.min() - m), min(w, xs.max() + 1 + m), min(h, ys.max() + 1 + m)
    est = estimate[y0:y1, x0:x1].astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    core, reach = cv2.erode(est, kernel), cv2.dilate(est, kernel)
    seeds = np.full(est.shape, cv2.GC_BGD, np.uint8)
    seeds[reach > 0] = cv2.GC_PR_BGD
    seeds[est > 0] = cv2.GC_PR_FGD
    seeds[core > 0] = cv2.GC_FGD
    if not (seeds == cv2.GC_BGD).any() or not (seeds == cv2.GC_FGD).any():
        return estimate
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(
            np.ascontiguousarray(image[y0:y1, x0:x1, ::-1]), seeds, (0, 0, 0, 0), bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK
        )
    except cv2.error:
        return estimate
    out = np.zeros_like(estimate)
    out[y0:y1, x0:x1] = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))
    return out
