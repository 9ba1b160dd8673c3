"""SAM 3 through transformers: Sam3Model (text, detection) and Sam3TrackerModel (clicks, boxes).

Images are resized and normalised here, in torch, instead of by Sam3Processor: its image
processors import torchvision, which has no CPU wheel for our torch, and doing it ourselves
keeps one code path on every machine (the numbers come from the checkpoint's
preprocessor_config.json). Text goes through the checkpoint's tokenizer (padded to 32 tokens,
as Sam3Processor does). Scores are the query logit times the presence logit, both through a
sigmoid (Sam3ImageProcessor.post_process_instance_segmentation). Thresholds are arguments of
every call; nothing per request is stored on the engine.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from milimo.config import Settings
from milimo.sam_service.draft import DraftTracker
from milimo.sam_service.engine import Detection
from milimo.sam_service.prompts import GeometryPrompt

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
    """Loads lazily on first use; one forward at a time (the lock), so GPU memory stays bounded."""

    name = "sam3"

    def __init__(self, weights: Path, device: str = "auto") -> None:
        self.weights = Path(weights)
        self.version = self.weights.name
        self.device_preference = device
        self._lock = threading.RLock()
        self._plan: Any = None
        self._image_model: Any = None
        self._tokenizer: Any = None
        self._point_model: Any = None
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

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "version": self.version,
            "weights": str(self.weights),
            "loaded": self._image_model is not None or self._point_model is not None,
            "device": self._plan.device if self._plan else self.device_preference,
        }

    # ------------------------------------------------------------------ loading
    def _device(self) -> Any:
        if self._plan is None:
            from milimo.engines.runtime import plan_device

            self._plan = plan_device(self.device_preference)
        return self._plan

    def _load(self, cls_name: str) -> Any:
        import transformers

        from milimo.engines.runtime import quiet_loading

        plan = self._device()
        with quiet_loading():
            model = getattr(transformers, cls_name).from_pretrained(self.weights, dtype=plan.dtype)
        return model.to(plan.device).eval()

    def image_model(self) -> tuple[Any, Any]:
        if self._image_model is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.weights)
            self._image_model = self._load("Sam3Model")
        return self._image_model, self._tokenizer

    def point_model(self) -> Any:
        if self._point_model is None:
            self._point_model = self._load("Sam3TrackerModel")
        return self._point_model

    # ------------------------------------------------------------------ tensors
    def pixels(self, frames: Sequence[np.ndarray]) -> Any:
        """uint8 RGB frames -> normalised (N, 3, S, S) in the model's dtype, on its device."""
        import torch
        import torch.nn.functional as F

        plan = self._device()
        size = self.pre["size"]
        x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float().div_(255.0)
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        mean = torch.tensor(self.pre["mean"]).view(1, 3, 1, 1)
        std = torch.tensor(self.pre["std"]).view(1, 3, 1, 1)
        return ((x - mean) / std).to(plan.device, plan.dtype)

    @staticmethod
    def upsample(logits: Any, height: int, width: int, threshold: float) -> np.ndarray:
        """(N, h, w) mask logits -> (N, height, width) booleans at probability `threshold`."""
        import torch.nn.functional as F

        probs = F.interpolate(logits.float().unsqueeze(0), size=(height, width), mode="bilinear", align_corners=False)[
            0
        ].sigmoid()
        return (probs > threshold).cpu().numpy()

    def _scaled_points(self, prompt: GeometryPrompt, height: int, width: int) -> tuple[list, list, list | None]:
        size = self.pre["size"]
        sx, sy = size / width, size / height
        points = [[x * sx, y * sy] for x, y in prompt.points]
        box = None
        if prompt.box is not None:
            x0, y0, x1, y1 = prompt.box
            box = [x0 * sx, y0 * sy, x1 * sx, y1 * sy]
        return points, list(prompt.labels), box

    # ------------------------------------------------------------------ SegmentEngine
    def predict_mask(self, image: np.ndarray, prompt: GeometryPrompt, *, mask_threshold: float) -> tuple[np.ndarray, float]:
        import torch

        h, w = image.shape[:2]
        points, labels, box = self._scaled_points(prompt, h, w)
        with self._lock, torch.inference_mode():
            model = self.point_model()
            args: dict[str, Any] = {
                "pixel_values": self.pixels([image]),
                "multimask_output": len(points) + (box is not None) == 1,
            }
            if points:
                args["input_points"] = torch.tensor([[points]], dtype=torch.float32, device=self._plan.device)
                args["input_labels"] = torch.tensor([[labels]], dtype=torch.long, device=self._plan.device)
            if box is not None:
                args["input_boxes"] = torch.tensor([[box]], dtype=torch.float32, device=self._plan.device)
            out = model(**args)
            scores = out.iou_scores[0, 0].float()
            best = int(scores.argmax())
            mask = self.upsample(out.pred_masks[0, 0, best : best + 1], h, w, mask_threshold)[0]
            return mask, float(scores[best].clamp(0, 1))

    def detect(
        self, image: np.ndarray, text: str, *, confidence: float, mask_threshold: float, max_objects: int
    ) -> list[Detection]:
        import torch

        h, w = image.shape[:2]
        with self._lock, torch.inference_mode():
            model, tokenizer = self.image_model()
            tokens = tokenizer([text], padding="max_length", max_length=TEXT_TOKENS, truncation=True, return_tensors="pt")
            out = model(
                pixel_values=self.pixels([image]),
                input_ids=tokens["input_ids"].to(self._plan.device),
                attention_mask=tokens["attention_mask"].to(self._plan.device),
            )
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

    def tracker(self, frames: Sequence[np.ndarray]) -> DraftTracker:
        """SAM 3 segments the prompted frame (clicks, a box, or text); the classical tracker carries it through the clip.

        Sam3TrackerVideoModel's memory propagation is not used yet: with configs built here it
        fails inside transformers 5.24 (object pointers of rank 3 vs 4 in the memory concat),
        so it could not be tested; see docs/segmentation.md.
        """
        return DraftTracker(
            frames,
            segment=lambda image, prompt, threshold: self.predict_mask(image, prompt, mask_threshold=threshold)[0],
            detect=self.detect,
        )
