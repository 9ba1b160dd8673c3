"""SAM 3 tracking through a clip: Sam3TrackerVideoModel for clicks and boxes, Sam3VideoModel for text.

Both run on transformers' own inference sessions (Sam3TrackerVideoInferenceSession,
Sam3VideoInferenceSession) and their `propagate_in_video_iterator`, one frame at a time, so the
service streams each frame as soon as the model has it. The processors (Sam3TrackerVideoProcessor,
Sam3VideoProcessor) are not used: their image and video processors import torchvision, which has
no CPU wheel for our torch. What they do is small and done here instead: frames are resized and
normalised by the engine (`Sam3Engine.pixels`), clicks are scaled to the model's square input
and a box becomes two corner points labelled 2 and 3 (as `process_new_points_or_boxes_for_video_frame`
does), the text is tokenised like `add_text_prompt`, and masks are upsampled to the clip's size
and thresholded at each request's `mask_threshold`.

Memory stays bounded: a session keeps the clip as decoded uint8 frames (capped by the session
registry) and preprocesses a frame only when the model reads it (`LazyFrames`), instead of
holding every frame at 1008² floats; the tracker's per-frame outputs are pruned to the frames its
memory can still reach, and the full-resolution mask logits (needed only while the frame's memory
is encoded) are dropped; the vision features cache holds one frame; on a GPU the tracking state
and the frames stay on the CPU (`inference_state_device`, `video_storage_device`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from milimo.errors import Invalid
from milimo.sam_service.engine import Direction, FrameMasks
from milimo.sam_service.prompts import GeometryPrompt

if TYPE_CHECKING:
    from milimo.sam_service.sam3 import Sam3Engine

BOX_LABELS = (2, 3)  # SAM's labels for a box's top-left and bottom-right corners


class LazyFrames(Mapping[int, Any]):
    """A session's `processed_frames`: frame i preprocessed when the model asks for it, the last one kept.

    transformers' sessions read this mapping only by `len()` and `[frame_idx]`.
    """

    def __init__(self, frames: Sequence[np.ndarray], prepare: Any) -> None:
        self.frames = frames
        self.prepare = prepare  # list of uint8 frames -> (N, 3, S, S) tensor
        self._last: tuple[int, Any] | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.frames)))

    def __getitem__(self, idx: int) -> Any:
        if not 0 <= idx < len(self.frames):
            raise KeyError(idx)
        if self._last is None or self._last[0] != idx:
            self._last = (idx, self.prepare([self.frames[idx]])[0])
        return self._last[1]


def point_inputs(prompt: GeometryPrompt, height: int, width: int, size: int, device: Any) -> dict[str, Any]:
    """Clicks and a box in image pixels -> the session's point_coords (1, 1, N, 2) and point_labels (1, 1, N)."""
    import torch

    sx, sy = size / width, size / height
    coords: list[list[float]] = []
    labels: list[int] = []
    if prompt.box is not None:  # the box first: SAM reads its two corners before any click
        x0, y0, x1, y1 = prompt.box
        coords += [[x0 * sx, y0 * sy], [x1 * sx, y1 * sy]]
        labels += list(BOX_LABELS)
    coords += [[x * sx, y * sy] for x, y in prompt.points]
    labels += [int(v) for v in prompt.labels]
    return {
        "point_coords": torch.tensor([[coords]], dtype=torch.float32, device=device),
        "point_labels": torch.tensor([[labels]], dtype=torch.int32, device=device),
    }


def add_clicks(session: Any, frame_idx: int, obj_id: int, inputs: dict[str, Any]) -> None:
    """The prompt replaces the object's earlier inputs on that frame (the processor's clear_old_inputs=True)."""
    obj_idx = session.obj_id_to_idx(obj_id)
    session.add_point_inputs(obj_idx, frame_idx, inputs)
    session.remove_mask_inputs(obj_idx, frame_idx)
    session.obj_with_new_inputs = [obj_id]


def prune(session: Any, frame_idx: int, window: int) -> None:
    """Forget what the tracker's memory can no longer reach from `frame_idx`; drop full-size logits everywhere.

    Prompted (conditioning) frames are kept: the memory always attends to them.
    """
    for outputs in session.output_dict_per_obj.values():
        for stored in outputs["cond_frame_outputs"].values():
            stored.pop("high_res_masks", None)
        tracked = outputs["non_cond_frame_outputs"]
        for idx in [i for i in tracked if abs(i - frame_idx) > window]:
            del tracked[idx]
        for stored in tracked.values():
            stored.pop("high_res_masks", None)


def memory_window(config: Any) -> int:
    """How many frames back the tracker's memory reaches: its mask memories and its object pointers."""
    return max(int(config.num_maskmem), int(config.max_object_pointers_in_encoder))


def frame_order(n: int, start: int, sign: int, limit: int, skip_start: bool) -> list[int]:
    stop = min(n - 1, start + limit - 1) if sign > 0 else max(0, start - limit + 1)
    order = list(range(start, stop + sign, sign))
    return order[1:] if skip_start else order


class Sam3VideoTracker:
    """One clip tracked by SAM 3: objects prompted by clicks or a box, and objects prompted by text."""

    name = "sam3"

    def __init__(self, engine: Sam3Engine, frames: Sequence[np.ndarray]) -> None:
        self.engine = engine
        self.frames = frames
        self.height, self.width = (int(v) for v in frames[0].shape[:2])
        self._clicks: Any = None  # Sam3TrackerVideoInferenceSession, made by the first click or box
        self.texts: dict[int, tuple[str, float]] = {}  # obj_id -> (text, confidence)

    # ------------------------------------------------------------------ sessions
    def _session_args(self) -> dict[str, Any]:
        plan = self.engine.device_plan()
        offload = "cpu"  # tracking state and frames live in host memory; the model moves what a step needs
        return {
            "video_height": self.height,
            "video_width": self.width,
            "inference_device": plan.device,
            "inference_state_device": offload,
            "video_storage_device": offload,
            "dtype": plan.dtype,
        }

    def _lazy_frames(self) -> LazyFrames:
        return LazyFrames(self.frames, lambda batch: self.engine.pixels(batch, device="cpu"))

    def clicks(self) -> Any:
        if self._clicks is None:
            from transformers.models.sam3_tracker_video.modeling_sam3_tracker_video import (
                Sam3TrackerVideoInferenceSession,
            )

            session: Any = Sam3TrackerVideoInferenceSession(**self._session_args())
            session.processed_frames = self._lazy_frames()  # duck-typed: read by len() and [frame_idx] only
            self._clicks = session
        return self._clicks

    def _text_session(self) -> Any:
        from transformers.models.sam3_video.modeling_sam3_video import Sam3VideoInferenceSession

        _, tokenizer = self.engine.text_video_model()
        session: Any = Sam3VideoInferenceSession(**self._session_args())
        session.processed_frames = self._lazy_frames()
        for text in sorted({t for t, _ in self.texts.values()}):
            prompt_id = session.add_prompt(text)
            ids = self.engine.tokenize(tokenizer, text)
            session.prompt_input_ids[prompt_id] = ids["input_ids"]
            session.prompt_attention_masks[prompt_id] = ids["attention_mask"]
        return session

    # ------------------------------------------------------------------ Tracker
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
        import torch

        out = FrameMasks(frame_idx, engine=self.name)
        with self.engine.lock, torch.inference_mode():
            if prompt is not None:
                if obj_id in self.texts:
                    raise Invalid(f"object {obj_id} is selected by text in this session; give the clicks another obj_id")
                model = self.engine.point_model()
                session = self.clicks()
                inputs = point_inputs(prompt, self.height, self.width, self.engine.size, self.engine.device_plan().device)
                add_clicks(session, frame_idx, obj_id, inputs)
                result = model(inference_session=session, frame_idx=frame_idx)
                prune(session, frame_idx, memory_window(model.config))
                self._click_masks(result, mask_threshold, out)
            else:
                assert text
                if self._clicks is not None and obj_id in self._clicks.obj_ids:
                    raise Invalid(f"object {obj_id} is selected by clicks in this session; give the text another obj_id")
                self.texts[obj_id] = (text, confidence)
                # a preview on this frame by the same detector the clip will be tracked with; tracking itself
                # starts from the frame propagation starts at, and SAM 3 looks for the text on every frame
                video_model, tokenizer = self.engine.text_video_model()
                found = self.engine.detect_with(
                    video_model.detector_model,
                    tokenizer,
                    self.frames[frame_idx],
                    text,
                    confidence=confidence,
                    mask_threshold=mask_threshold,
                    max_objects=100,
                )
                mask = np.zeros((self.height, self.width), bool)
                for d in found:
                    mask |= d.mask
                out.masks[obj_id], out.scores[obj_id] = mask, max((d.score for d in found), default=0.0)
        return out

    def propagate(
        self, start_frame: int, direction: Direction, max_frames: int | None, *, mask_threshold: float
    ) -> Iterator[FrameMasks]:
        n = len(self.frames)
        limit = max_frames if max_frames is not None else n  # counts the start frame, in each direction
        runs = [1, -1] if direction == "both" else [1 if direction == "forward" else -1]
        has_clicks = self._clicks is not None and bool(self._clicks.obj_ids)
        text_session = self._text_session() if self.texts else None
        for run, sign in enumerate(runs):
            skip_start = run > 0  # in "both" the start frame is reported once, by the forward run
            order = frame_order(n, start_frame, sign, limit, skip_start)
            if not order:
                continue
            clicks = self._click_run(start_frame, sign, order, skip_start) if has_clicks else iter(())
            texts = self._text_run(text_session, start_frame, sign, order, skip_start) if text_session else iter(())
            for idx in order:
                frame = FrameMasks(idx, engine=self.name)
                if has_clicks:
                    result = next(clicks)
                    self._check(result.frame_idx, idx)
                    self._click_masks(result, mask_threshold, frame)
                if text_session is not None:
                    result = next(texts)
                    self._check(result.frame_idx, idx)
                    self._text_masks(text_session, result, mask_threshold, frame)
                yield frame

    # ------------------------------------------------------------------ runs
    def _locked(self, steps: Iterator[Any]) -> Iterator[Any]:
        """Each model step under the engine's lock (one forward at a time), released between frames."""
        import torch

        while True:
            with self.engine.lock, torch.inference_mode():
                try:
                    result = next(steps)
                except StopIteration:
                    return
            yield result

    def _click_run(self, start: int, sign: int, order: list[int], skip_start: bool) -> Iterator[Any]:
        model = self.engine.point_model()
        session = self.clicks()
        reverse = sign < 0
        window = memory_window(model.config)

        def steps() -> Iterator[Any]:
            if reverse and start == 0 and not skip_start:  # transformers' reverse run skips a start at frame 0
                yield model(inference_session=session, frame_idx=0, reverse=True)
                return
            frames = model.propagate_in_video_iterator(
                inference_session=session, start_frame_idx=start, max_frame_num_to_track=len(order) - 1 + skip_start,
                reverse=reverse,
            )  # fmt: skip
            for result in frames:
                prune(session, result.frame_idx, window)
                if skip_start and result.frame_idx == start:
                    continue
                yield result

        return self._locked(steps())

    def _text_run(self, session: Any, start: int, sign: int, order: list[int], skip_start: bool) -> Iterator[Any]:
        model, _ = self.engine.text_video_model()
        window = memory_window(model.tracker_model.config)
        confidence = min(c for _, c in self.texts.values())

        def steps() -> Iterator[Any]:
            # Sam3VideoModel's reverse run starts one frame before start_frame_idx; our start frame is included
            first = start if sign > 0 or skip_start else start + 1
            frames = model.propagate_in_video_iterator(
                inference_session=session, start_frame_idx=first, max_frame_num_to_track=len(order) - (sign > 0),
                reverse=sign < 0,
            )  # fmt: skip
            while True:
                with self.engine.detection_thresholds(model, confidence):
                    try:
                        result = next(frames)
                    except StopIteration:
                        return
                prune(session, result.frame_idx, window)
                yield result

        return self._locked(steps())

    @staticmethod
    def _check(got: int, wanted: int) -> None:
        if got != wanted:  # both iterators follow the same order; anything else is a transformers change
            raise RuntimeError(f"SAM 3 returned frame {got} where frame {wanted} was expected")

    # ------------------------------------------------------------------ masks
    def _click_masks(self, result: Any, mask_threshold: float, out: FrameMasks) -> None:
        logits = result.pred_masks[:, 0]  # (objects, h, w)
        masks = self.engine.upsample(logits, self.height, self.width, mask_threshold)
        scores = result.object_score_logits.float().reshape(-1).sigmoid().tolist()
        for n, oid in enumerate(result.object_ids):
            out.masks[int(oid)], out.scores[int(oid)] = masks[n], float(scores[n])

    def _text_masks(self, session: Any, result: Any, mask_threshold: float, out: FrameMasks) -> None:
        """Every instance SAM 3 tracks for an object's text, merged into that object's mask (as /segment/text merges)."""
        import torch

        hidden = set(result.suppressed_obj_ids or ()) | set(session.hotstart_removed_obj_ids)
        by_text: dict[str, list[int]] = {}
        for model_id in result.obj_id_to_mask:
            if model_id not in hidden:
                by_text.setdefault(session.prompts[session.obj_id_to_prompt_id[model_id]], []).append(model_id)
        for oid, (text, confidence) in self.texts.items():
            ids = [i for i in by_text.get(text, []) if result.obj_id_to_score.get(i, 0.0) >= confidence]
            mask: np.ndarray = np.zeros((self.height, self.width), bool)
            if ids:
                logits = torch.cat([result.obj_id_to_mask[i] for i in ids], dim=0)
                mask = np.asarray(self.engine.upsample(logits, self.height, self.width, mask_threshold).any(axis=0))
            out.masks[oid] = mask
            out.scores[oid] = max((float(result.obj_id_to_score[i]) for i in ids), default=0.0)
