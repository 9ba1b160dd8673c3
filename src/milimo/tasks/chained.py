"""Chained generation (seed §4): a shot longer than the engine's native maximum.

For each chunk: prepare its prompt and conditioning (chunk 0: the user's; later chunks: the
previous chunk's tail frames and, where the engine exposes them, its latents) -> generate ->
drop the re-created overlap -> encode the kept frames to a video-only part while keeping the
new tail in memory -> check for cancellation -> progress "chunk i/N". Then the parts are
joined by stream copy (no re-encode) with one audio track cut at the same frame boundaries,
so sound stays in sync at every seam and the shot has exactly the requested length.
"""

from __future__ import annotations

import itertools
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from milimo.engines.protocols import AudioTrack, Continuation, VideoRequest, native_max_frames
from milimo.jobs.run import JobRun
from milimo.media import encode_video
from milimo.media.concat import concat_video_parts
from milimo.tasks.chaining import Chunk, overlap_for, plan_chunks

GENERATE_FROM, GENERATE_TO, STITCH_TO = 10, 90, 96


class AudioSpool:
    """The shot's audio, appended chunk by chunk to a raw file (memory stays flat in length)."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = path, fps
        self.sample_rate: int | None = None
        self.channels = 0
        self.samples = 0  # written so far

    def add(self, audio: AudioTrack | None, chunk: Chunk) -> None:
        """Append the audio under the chunk's kept frames, cut at exact global frame boundaries."""
        if audio is None:
            return
        if self.sample_rate is None:
            self.sample_rate, self.channels = audio.sample_rate, audio.samples.shape[0]
        sr = self.sample_rate
        # Sample positions come from global frame numbers, so rounding never accumulates across seams.
        end_global = round((chunk.start + chunk.keep) * sr / self.fps)
        want = end_global - self.samples
        first = round(chunk.skip * sr / self.fps)  # the overlap's audio was already written by the previous chunk
        piece = np.asarray(audio.samples[:, first : first + want], dtype=np.float32)
        if piece.shape[1] < want:
            piece = np.pad(piece, ((0, 0), (0, want - piece.shape[1])))
        with open(self.path, "ab") as f:
            f.write(np.ascontiguousarray(piece.T).tobytes())  # interleaved frames of `channels` samples
        self.samples += want

    def track(self) -> AudioTrack | None:
        if self.sample_rate is None:
            return None
        data = np.memmap(self.path, dtype=np.float32, mode="r").reshape(-1, self.channels).T
        return AudioTrack(samples=data, sample_rate=self.sample_rate)


def plan_for(engine: Any, num_frames: int, fps: float) -> list[Chunk]:
    """The chunks at the shot's own rate: the engine's one-call limit depends on fps (LTX-2's is in seconds)."""
    return plan_chunks(num_frames, native_max_frames(engine, fps), engine.capabilities.frame_step)


def run_chained(run: JobRun, engine: Any, base: VideoRequest, out: Path, prompts: list[str] | None = None) -> int:
    """Generate base.num_frames frames into `out` in chunks; `prompts[i]` (optional) is chunk i's
    continuation prompt. Returns the number of frames written."""
    caps = engine.capabilities
    chunks = plan_for(engine, base.num_frames, base.fps)
    overlap = overlap_for(caps.frame_step)
    workspace = run.workspace()
    audio = AudioSpool(workspace / "audio.f32", base.fps)
    parts: list[Path] = []
    tail: deque[np.ndarray] = deque(maxlen=overlap.frames)
    latents = None
    span = (GENERATE_TO - GENERATE_FROM) / len(chunks)

    for chunk in chunks:
        run.check_cancel()
        n = len(chunks)
        lo = GENERATE_FROM + span * chunk.index
        run.log(f"Generating chunk {chunk.index + 1}/{n} ({chunk.keep} frames from frame {chunk.start})")
        run.progress(lo, f"Chunk {chunk.index + 1}/{n}")
        request = _chunk_request(base, chunk, tail, latents)
        if prompts:
            request.prompt = prompts[chunk.index]
        # The time left is the whole shot's: each chunk still to come takes about as long as this one.
        on_step = run.steps(lo, lo + span, f"Chunk {chunk.index + 1}/{n}", repeats_after=n - chunk.index - 1)
        result = engine.generate(request, on_step)
        part = workspace / f"part_{chunk.index:03d}.mp4"
        audio.add(result.audio, chunk)  # spooled to disk before encoding: not held beside x264 and the frames
        result.audio = None
        frames = _kept(result.frames, chunk, tail)
        written = encode_video(
            frames, part, fps=base.fps, width=base.width, height=base.height, on_frame=lambda i: run.check_cancel()
        )
        if written.num_frames != chunk.keep:
            raise RuntimeError(f"chunk {chunk.index + 1} produced {written.num_frames} frames instead of {chunk.keep}")
        parts.append(part)
        latents = result.latents if caps.exposes_latents else None
        del result, frames

    run.check_cancel()
    run.progress(GENERATE_TO, f"Stitching {len(parts)} chunks...")
    stitched = concat_video_parts(parts, out, audio=audio.track())
    run.progress(STITCH_TO, "Stitched")
    return stitched.num_frames


def _chunk_request(base: VideoRequest, chunk: Chunk, tail: deque, latents: Any) -> VideoRequest:
    if chunk.index == 0:
        return VideoRequest(**{**base.__dict__, "num_frames": chunk.generate})
    # Later chunks continue from the previous tail; the user's own images belong to chunk 0 only
    # (a static image conditioning every chunk freezes the motion: the "frozen anchor").
    return VideoRequest(
        **{
            **base.__dict__,
            "num_frames": chunk.generate,
            "images": (),
            "seed": base.seed + chunk.index,
            "continuation": Continuation(frames=tuple(tail), latents=latents),
        }
    )


def _kept(frames, chunk: Chunk, tail: deque):
    """Skip the re-created overlap, yield the kept frames, remember the newest tail as they pass.

    Only the last `tail.maxlen` kept frames are copied: copying every frame (a 1.2 MB allocation
    per frame at 768x512) churned the allocator's heap and left the peak RSS ~20 MB higher."""
    assert tail.maxlen is not None  # the caller's tail is bounded: it holds the next chunk's overlap
    first_in_tail = chunk.keep - tail.maxlen
    for i, frame in enumerate(itertools.islice(iter(frames), chunk.skip, chunk.skip + chunk.keep)):
        if i >= first_in_tail:
            tail.append(np.array(frame, copy=True))  # the engine may reuse its buffer for the next frame
        yield frame
