"""The draft segmentation engine: GrabCut masks and a classical tracker (optical flow + GrabCut per frame).

With SAM 3 weights the service tracks with SAM 3's own video models instead (sam3_video.py).

CSRT is not in opencv-python-headless 5, so the tracker follows features inside the mask with
pyramidal Lucas-Kanade optical flow, fits a similarity transform (RANSAC), warps the mask to
the next frame, and snaps the warped mask to that frame's edges with GrabCut. When too few
features survive (a flat-coloured object), phase correlation of the object's neighbourhood
gives the shift instead. Text prompts need SAM 3 (NeedsSam3 -> 501).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from milimo.sam_service.engine import Detection, Direction, FrameMasks, NeedsSam3
from milimo.sam_service.grabcut import grabcut_mask, refine
from milimo.sam_service.prompts import GeometryPrompt

MIN_FEATURES = 6


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def _flow_transform(prev: np.ndarray, nxt: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """2x3 similarity transform carrying the masked object from `prev` to `nxt` (grayscale), or None."""
    feature_mask = cv2.erode(mask.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
    if not feature_mask.any():
        feature_mask = mask.astype(np.uint8) * 255
    pts = cv2.goodFeaturesToTrack(prev, maxCorners=200, qualityLevel=0.01, minDistance=3, mask=feature_mask, blockSize=5)
    if pts is None or len(pts) < MIN_FEATURES:
        return None
    # nextPts is an output here (no OPTFLOW_USE_INITIAL_FLOW); a copy only gives it the right shape
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, nxt, pts, pts.copy(), winSize=(21, 21), maxLevel=3)
    back, status_back, _ = cv2.calcOpticalFlowPyrLK(nxt, prev, moved, moved.copy(), winSize=(21, 21), maxLevel=3)
    # forward-backward check: a feature that does not come back to where it started is lost
    good = (status.ravel() == 1) & (status_back.ravel() == 1) & (np.linalg.norm((back - pts).reshape(-1, 2), axis=1) < 1.0)
    if good.sum() < MIN_FEATURES:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(pts[good], moved[good], method=cv2.RANSAC, ransacReprojThreshold=2.0)
    return matrix


def _shift_transform(prev: np.ndarray, nxt: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Translation from phase correlation of the object's neighbourhood (the fallback)."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    pad = max(8, (xs.max() - xs.min() + ys.max() - ys.min()) // 2)
    x0, y0, x1, y1 = max(0, xs.min() - pad), max(0, ys.min() - pad), min(w, xs.max() + pad), min(h, ys.max() + pad)
    a, b = prev[y0:y1, x0:x1].astype(np.float32), nxt[y0:y1, x0:x1].astype(np.float32)
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F) if min(a.shape) > 1 else None
    (dx, dy), _ = cv2.phaseCorrelate(a, b, window)
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


class DraftTracker:
    """Classical propagation of a GrabCut mask of the prompted frame; text needs SAM 3 (501)."""

    name = "draft"

    def __init__(self, frames: Sequence[np.ndarray]) -> None:
        self.frames = frames
        self._gray: dict[int, np.ndarray] = {}
        self.prompts: dict[int, tuple[int, np.ndarray]] = {}  # obj_id -> (frame_idx, mask on that frame)

    def gray(self, idx: int) -> np.ndarray:
        if idx not in self._gray:
            self._gray[idx] = _gray(self.frames[idx])
        return self._gray[idx]

    def add_prompt(
        self,
        frame_idx: int,
        obj_id: int,
        prompt: GeometryPrompt | None,
        text: str | None,
        *,
        mask_threshold: float,
        confidence: float,
    ) -> FrameMasks:
        if prompt is None:
            raise NeedsSam3("Tracking by text")
        mask = grabcut_mask(self.frames[frame_idx], prompt)
        self.prompts[obj_id] = (frame_idx, mask)
        out = FrameMasks(frame_idx)
        for oid, (fidx, mask) in self.prompts.items():
            if fidx == frame_idx:
                out.masks[oid], out.scores[oid] = mask, 1.0 if mask.any() else 0.0
        return out

    def step(self, src: int, dst: int, mask: np.ndarray) -> tuple[np.ndarray, float]:
        """The object's mask on frame `dst`, given its mask on neighbouring frame `src`."""
        if not mask.any():
            return mask, 0.0
        prev, nxt = self.gray(src), self.gray(dst)
        matrix = _flow_transform(prev, nxt, mask)
        if matrix is None:
            matrix = _shift_transform(prev, nxt, mask)
        h, w = mask.shape
        warped = cv2.warpAffine(mask.astype(np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST) > 0
        if not warped.any():
            return warped, 0.0
        band = max(2, int(np.sqrt(warped.sum()) * 0.08))
        refined = refine(self.frames[dst], warped, band)
        area_w, area_r = warped.sum(), refined.sum()
        # GrabCut can bleed into a same-coloured background or collapse; then trust the motion alone
        if not 0.6 * area_w <= area_r <= 1.6 * area_w:
            return warped, 0.5
        agreement = float((warped & refined).sum() / max(1, (warped | refined).sum()))
        return refined, agreement

    def propagate(
        self, start_frame: int, direction: Direction, max_frames: int | None, *, mask_threshold: float
    ) -> Iterator[FrameMasks]:
        n = len(self.frames)
        runs = [1, -1] if direction == "both" else [1 if direction == "forward" else -1]
        for sign in runs:
            state = {oid: m for oid, (fidx, m) in self.prompts.items() if fidx == start_frame}
            if not state:  # objects prompted elsewhere start from their own frame
                state = {oid: m for oid, (fidx, m) in self.prompts.items()}
            stop = n if sign > 0 else -1
            limit = max_frames if max_frames is not None else n
            idx, produced = start_frame, 1  # max_frames counts the start frame, in each direction
            if sign > 0 or direction != "both":  # in "both" the start frame is reported once, by the forward run
                yield FrameMasks(idx, dict(state), {oid: 1.0 for oid in state})
            while produced < limit and idx + sign != stop:
                nxt = idx + sign
                frame = FrameMasks(nxt)
                for oid, mask in state.items():
                    frame.masks[oid], frame.scores[oid] = self.step(idx, nxt, mask)
                state = frame.masks
                yield frame
                idx, produced = nxt, produced + 1


class DraftSegmentEngine:
    """GrabCut from clicks or a box; no text prompts (those need SAM 3)."""

    name = "draft"
    version = f"opencv-{cv2.__version__}"

    def describe(self) -> dict:
        return {
            "engine": self.name,
            "version": self.version,
            "text_prompts": False,
            "note": "clicks and boxes use OpenCV GrabCut; text and detection need SAM 3 (`milimo models download sam3`)",
        }

    def predict_mask(self, image: np.ndarray, prompt: GeometryPrompt, *, mask_threshold: float) -> tuple[np.ndarray, float]:
        mask = grabcut_mask(image, prompt)
        return mask, 1.0 if mask.any() else 0.0

    def detect(
        self, image: np.ndarray, text: str, *, confidence: float, mask_threshold: float, max_objects: int
    ) -> list[Detection]:
        raise NeedsSam3("Selecting by text")

    def tracker(self, frames: Sequence[np.ndarray]) -> DraftTracker:
        return DraftTracker(frames)
