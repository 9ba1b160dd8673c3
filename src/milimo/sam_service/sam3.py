"""SAM 3 through transformers: Sam3Model (text, detection), Sam3TrackerVideoModel (clicks, boxes), Sam3VideoModel (text in a clip).

One facebook/sam3 folder serves all three: its config.json is a `sam3_video` config (a detector
and a tracker) and its weights are `detector_model.*`, `tracker_model.*` and `tracker_neck.*`.
Sam3VideoModel loads them as they are; Sam3Model takes the `detector_model` part (it ignores
the tracker's keys); Sam3TrackerVideoModel renames them through transformers' `sam3_tracker`
conversion mapping (the detector's vision backbone and the tracker neck become its vision
encoder, `tracker_model.` is dropped). Clicks on a still go through Sam3TrackerVideoModel on a
one-frame session rather than through Sam3TrackerModel: in transformers 5.24,
Sam3TrackerModel.from_pretrained on such a folder leaves its prompt encoder and mask decoder
(147 tensors of the tiny test model) newly initialised, while Sam3TrackerVideoModel loads every
tensor; and one click model then serves stills and clips.

Images are resized and normalised here, in torch, instead of by the processors: their image
processors import torchvision, which has no CPU wheel for our torch, and doing it ourselves
keeps one code path on every machine (the numbers come from the checkpoint's
preprocessor_config.json). Text goes through the checkpoint's tokenizer (padded to 32 tokens,
as Sam3Processor does). Scores are the query logit times the presence logit, both through a
sigmoid (Sam3ImageProcessor.post_process_instance_segmentation). Thresholds are arguments of
every call; nothing per request is kept on the engine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from milimo.config import Settings
from milimo.sam_service.engine import Detection
from milimo.sam_service.prompts import GeometryPrompt
from milimo.sam_service.sam3_video import Sam3VideoTracker, add_clicks, point_inputs

TEXT_TOKENS = 32
DEFAULTS = {"size": 1008, "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}


class Sam3Unavailable(RuntimeError):
    """SAM 3 cannot run here; the message says why (no weights, no [models] extra)."""


def _preprocessing(root: Path) -> dict[str, Any]:
    cfg: dict[str, Any] = dict(DEFAULTS)
    path = root / "preprocessor_config.json"
    if path.is_file():
        raw = json.loads(path.read_text())
        raw = raw.get("image_processor", raw)
        size = raw.get("size") or {}
        cfg["size"] = int(size.get("height") or size.get("shortest_edge") or cfg["size"]) if isinstance(size, dict) else int(size)
        cfg["mean"] = tuple(raw.get("image_mean", cfg["mean"]))
        cfg["std"] = tuple(raw.get("image_std", cfg["std"]))
    return cfg


class Sam3Engine:
    """Loads each model lazily on first use; one forward at a time (the lock), so GPU memory stays bounded."""

    name = "sam3"

    def __init__(self, weights: Path, device: str = "auto") -> None:
        self.weights = Path(weights)
        self.version = self.weights.name
        self.device_preference = device
        self.lock = threading.RLock()
        self._plan: Any = None
        self._image_model: Any = None
        self._tokenizer: Any = None
        self._point_model: Any = None
        self._text_video_model: Any = None
        self.pre = _preprocessing(self.weights)

    @classmethod
    def from_settings(cls, settings: Settings) -> Sam3Engine:
        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            raise Sam3Unavailable(f"the [models] extra is not installed ({', '.join(missing)} missing)")
        path = settings.sam_weights
        if path is None:
            from milimo.engines.library import find_weights

            path = find_weights(settings.models_dir, "sam3")
            if path is None:
                raise Sam3Unavailable(
                    f"no SAM 3 weights in {settings.models_dir} or the Hugging Face cache (`milimo models download sam3`)"
                )
        elif not (Path(path) / "config.json").is_file():
            raise Sam3Unavailable(f"MILIMO_SAM_WEIGHTS={path} is not a SAM 3 folder (no config.json)")
        return cls(Path(path), device=settings.device)

    @property
    def size(self) -> int:
        return int(self.pre["size"])

    def describe(self) -> dict[str, Any]:
        loaded = {
            "Sam3Model": self._image_model,
            "Sam3TrackerVideoModel": self._point_model,
            "Sam3VideoModel": self._text_video_model,
        }
        return {
            "engine": self.name,
            "version": self.version,
            "weights": str(self.weights),
            "loaded": any(m is not None for m in loaded.values()),
            "models_loaded": [name for name, m in loaded.items() if m is not None],
            "tracking": "sam3: Sam3TrackerVideoModel for clicks and boxes, Sam3VideoModel for text",
            "device": self._plan.device if self._plan else self.device_preference,
        }

    # ------------------------------------------------------------------ loading
    def device_plan(self) -> Any:
        if self._plan is None:
            from milimo.engines.runtime import plan_device

            self._plan = plan_device(self.device_preference)
        return self._plan

    def _load(self, cls_name: str) -> Any:
        import transformers

        from milimo.engines.runtime import quiet_loading

        plan = self.device_plan()
        with quiet_loading():
            model = getattr(transformers, cls_name).from_pretrained(self.weights, dtype=plan.dtype)
        return model.to(plan.device).eval()

    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.weights)
        return self._tokenizer

    def image_model(self) -> tuple[Any, Any]:
        if self._image_model is None:
            self._image_model = self._load("Sam3Model")
        return self._image_model, self.tokenizer()

    def point_model(self) -> Any:
        """Sam3TrackerVideoModel: clicks and boxes, on a still (a one-frame session) or through a clip."""
        if self._point_model is None:
            self._point_model = self._load("Sam3TrackerVideoModel")
        return self._point_model

    def text_video_model(self) -> tuple[Any, Any]:
        """Sam3VideoModel: detects the text on every frame and tracks each instance it finds."""
        if self._text_video_model is None:
            self._text_video_model = self._load("Sam3VideoModel")
        return self._text_video_model, self.tokenizer()

    # ------------------------------------------------------------------ tensors
    def pixels(self, frames: Sequence[np.ndarray], device: str | None = None) -> Any:
        """uint8 RGB frames -> normalised (N, 3, S, S) in the model's dtype, on its device (or `device`)."""
        import torch
        import torch.nn.functional as F

        plan = self.device_plan()
        size = self.size
        x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float().div_(255.0)
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        mean = torch.tensor(self.pre["mean"]).view(1, 3, 1, 1)
        std = torch.tensor(self.pre["std"]).view(1, 3, 1, 1)
        return ((x - mean) / std).to(device or plan.device, plan.dtype)

    @staticmethod
    def upsample(logits: Any, height: int, width: int, threshold: float) -> np.ndarray:
        """(N, h, w) mask logits -> (N, height, width) booleans at probability `threshold`."""
        import torch.nn.functional as F

        probs = F.interpolate(logits.float().unsqueeze(0), size=(height, width), mode="bilinear", align_corners=False)[
            0
        ].sigmoid()
        return (probs > threshold).cpu().numpy()

    def tokenize(self, tokenizer: Any, text: str) -> dict[str, Any]:
        tokens = tokenizer([text], padding="max_length", max_length=TEXT_TOKENS, truncation=True, return_tensors="pt")
        device = self.device_plan().device
        return {"input_ids": tokens["input_ids"].to(device), "attention_mask": tokens["attention_mask"].to(device)}

    @contextlib.contextmanager
    def detection_thresholds(self, model: Any, confidence: float) -> Iterator[None]:
        """Sam3VideoModel reads its detection thresholds from attributes; set them for one step, under the lock.

        A detection counts above `confidence`; a new track needs the model's own margin above that
        (0.7 vs 0.5 in facebook/sam3). Restored afterwards, so no request sees another's thresholds.
        """
        cfg = model.config
        saved = model.score_threshold_detection, model.new_det_thresh
        margin = float(cfg.new_det_thresh) - float(cfg.score_threshold_detection)
        with self.lock:
            model.score_threshold_detection = confidence
            model.new_det_thresh = min(1.0, confidence + max(0.0, margin)) if confidence > 0 else 0.0
            try:
                yield
            finally:
                model.score_threshold_detection, model.new_det_thresh = saved

    # ------------------------------------------------------------------ SegmentEngine
    def predict_mask(self, image: np.ndarray, prompt: GeometryPrompt, *, mask_threshold: float) -> tuple[np.ndarray, float]:
        """The click model on a one-frame session; the score is SAM's object score (is the object there), 0..1."""
        import torch
        from transformers.models.sam3_tracker_video.modeling_sam3_tracker_video import Sam3TrackerVideoInferenceSession

        h, w = image.shape[:2]
        with self.lock, torch.inference_mode():
            model = self.point_model()
            plan = self.device_plan()
            session = Sam3TrackerVideoInferenceSession(
                video_height=h,
                video_width=w,
                inference_device=plan.device,
                inference_state_device=plan.device,
                video_storage_device=plan.device,
                dtype=plan.dtype,
            )
            session.processed_frames = {0: self.pixels([image])[0]}
            add_clicks(session, 0, 1, point_inputs(prompt, h, w, self.size, plan.device))
            out = model(inference_session=session, frame_idx=0, run_mem_encoder=False)
            mask = self.upsample(out.pred_masks[:, 0], h, w, mask_threshold)[0]
            return mask, float(out.object_score_logits.float().reshape(-1)[0].sigmoid())

    def detect(
        self, image: np.ndarray, text: str, *, confidence: float, mask_threshold: float, max_objects: int
    ) -> list[Detection]:
        with self.lock:
            model, tokenizer = self.image_model()
            return self.detect_with(
                model, tokenizer, image, text, confidence=confidence, mask_threshold=mask_threshold, max_objects=max_objects
            )

    def detect_with(
        self,
        model: Any,
        tokenizer: Any,
        image: np.ndarray,
        text: str,
        *,
        confidence: float,
        mask_threshold: float,
        max_objects: int,
    ) -> list[Detection]:
        """Detection by a Sam3Model: the image model, or the detector inside Sam3VideoModel (the same weights)."""
        import torch

        h, w = image.shape[:2]
        with self.lock, torch.inference_mode():
            out = model(pixel_values=self.pixels([image]), **self.tokenize(tokenizer, text))
            scores = out.pred_logits[0].float().sigmoid()
            if getattr(out, "presence_logits", None) is not None:
                scores = scores * out.presence_logits[0].float().sigmoid()
            order = [int(i) for i in torch.argsort(scores, descending=True) if float(scores[i]) > confidence][:max_objects]
            if not order:
                return []
            masks = self.upsample(out.pred_masks[0, order], h, w, mask_threshold)
            boxes = out.pred_boxes[0, order].float().clamp(0, 1).cpu().numpy() * np.array([w, h, w, h])
            return [
                Detection(
                    masks[n],
                    float(scores[i]),
                    (float(boxes[n][0]), float(boxes[n][1]), float(boxes[n][2]), float(boxes[n][3])),
                    text,
                )
                for n, i in enumerate(order)
            ]

    def tracker(self, frames: Sequence[np.ndarray]) -> Sam3VideoTracker:
        """SAM 3's own video tracking: memory propagation for clicks and boxes, detection + tracking for text."""
        return Sam3VideoTracker(self, frames)
