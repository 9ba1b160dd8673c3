"""Segmentation (draft engine): a mask from one click, and tracking an object through a clip.

Anchors, measured in the same run on the same pictures:
- click -> mask: OpenCV GrabCut at full resolution initialised with the object's box (what a
  plain GrabCut call costs). Ours works on a copy at most 640 px wide and seeds from the click.
- tracking: OpenCV's TrackerMIL following a box (a box only, no mask), per frame. Ours carries a
  mask (flow + GrabCut refine), so the ratio says what the mask costs over a plain box tracker.
Also the accuracy (IoU with the truth) on synthetic pictures with a known answer.

    python -m bench.bench_segmentation      # from the repository root (it borrows the tests' synthetic pictures)
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from bench._common import median, record
from milimo.sam_service.draft import DraftTracker
from milimo.sam_service.grabcut import grabcut_mask
from milimo.sam_service.prompts import GeometryPrompt
from tests.sam_service.synthetic import iou, moving_square, scene_with_object


def timed(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return median(times), out


def main() -> None:
    img, truth = scene_with_object(h=720, w=1280)
    ys, xs = np.nonzero(truth)
    box = (int(xs.min()) - 10, int(ys.min()) - 10, int(xs.max()) + 10, int(ys.max()) + 10)
    click = GeometryPrompt(((float(xs.mean()), float(ys.mean())),), (1,))

    def anchor_grabcut():
        mask = np.zeros(truth.shape, np.uint8)
        bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
        cv2.grabCut(
            np.ascontiguousarray(img[:, :, ::-1]),
            mask,
            (box[0], box[1], box[2] - box[0], box[3] - box[1]),
            bgd,
            fgd,
            5,
            cv2.GC_INIT_WITH_RECT,
        )
        return np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD))

    anchor_s, anchor_mask = timed(anchor_grabcut, 3)
    ours_s, ours_mask = timed(lambda: grabcut_mask(img, click), 5)

    frames, truths = moving_square(frames=48, h=288, w=384, side=72)
    ys, xs = np.nonzero(truths[0])
    b0 = (int(xs.min()) - 3, int(ys.min()) - 3, int(xs.max()) + 4, int(ys.max()) + 4)

    def ours_track():
        tr = DraftTracker(frames)
        tr.add_prompt(0, 1, GeometryPrompt((), (), b0), None, mask_threshold=0.5, confidence=0.5)
        return [f.masks[1] for f in tr.propagate(0, "forward", None, mask_threshold=0.5)]

    def anchor_track():
        t = cv2.TrackerMIL_create()
        t.init(np.ascontiguousarray(frames[0][:, :, ::-1]), (b0[0], b0[1], b0[2] - b0[0], b0[3] - b0[1]))
        out = []
        for f in frames[1:]:
            _, (x, y, w, h) = t.update(np.ascontiguousarray(f[:, :, ::-1]))
            m = np.zeros(f.shape[:2], bool)
            m[max(0, int(y)) : int(y + h), max(0, int(x)) : int(x + w)] = True
            out.append(m)
        return out

    track_s, masks = timed(ours_track, 3)
    mil_s, boxes = timed(anchor_track, 3)
    record(
        "segmentation",
        {
            "click_mask_1280x720_ms": round(ours_s * 1000, 1),
            "anchor_grabcut_rect_full_res_ms": round(anchor_s * 1000, 1),
            "ratio_click_vs_anchor": round(ours_s / anchor_s, 3),
            "click_iou": round(iou(ours_mask, truth), 4),
            "anchor_iou": round(iou(anchor_mask, truth), 4),
            "track_384x288_fps": round(48 / track_s, 1),
            "anchor_mil_box_fps": round(47 / mil_s, 1),
            "ratio_track_time_vs_anchor": round(track_s / mil_s, 3),
            "track_mean_iou": round(float(np.mean([iou(m, t) for m, t in zip(masks, truths)])), 4),
            "anchor_mil_mean_iou": round(float(np.mean([iou(m, t) for m, t in zip(boxes, truths[1:])])), 4),
        },
    )


if __name__ == "__main__":
    main()
