"""What comes out of an LTX-2 pipeline, made into a VideoResult: frames as uint8 on the CPU, the joint
audio at exactly the clip's length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from milimo.engines.protocols import AudioTrack, VideoResult


def frames_u8(video: Any) -> Any:
    """(F, C, H, W) floats in [0, 1] on any device -> (F, H, W, 3) uint8 on the CPU (NaN as black)."""
    import torch

    return (video.float().nan_to_num(0.0).clamp(0, 1) * 255).round().to(dtype=torch.uint8).permute(0, 2, 3, 1).cpu()


def audio_track(audio: Any, vocoder_rate: int, num_frames: int, fps: float) -> AudioTrack | None:
    """The joint audio at the vocoder's rate, cut or padded to exactly `num_frames` at `fps`."""
    if audio is None:
        return None
    samples = audio[0].float().cpu().numpy().astype(np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    n = round(num_frames / fps * vocoder_rate)
    if samples.shape[1] >= n:
        samples = samples[:, :n]
    else:
        samples = np.pad(samples, ((0, 0), (0, n - samples.shape[1])))
    # NaN (an overflow in half precision) would make the AAC encoder refuse the track: silence instead
    return AudioTrack(np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0), vocoder_rate)


class Frames:
    """Re-iterable view of a (F, H, W, 3) uint8 CPU tensor: each pass yields numpy frames without copying."""

    def __init__(self, frames: Any) -> None:
        self._frames = frames

    def __len__(self) -> int:
        return int(self._frames.shape[0])

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self._frames[i].numpy()


def video_result(frames: Any, fps: float, audio: AudioTrack | None = None, latents: Any = None) -> VideoResult:
    """A VideoResult over (F, H, W, 3) uint8 CPU frames (frames_u8), its size read from them."""
    return VideoResult(
        frames=Frames(frames),
        num_frames=int(frames.shape[0]),
        width=int(frames.shape[2]),
        height=int(frames.shape[1]),
        fps=fps,
        audio=audio,
        latents=latents,
    )
