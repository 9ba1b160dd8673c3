"""Chained generation (seed §4): a shot longer than the engine's native maximum.

For each chunk: prepare its prompt and conditioning (chunk 0: the user's; later chunks: the
previous chunk's tail frames and, where the engine exposes them, its latents) -> generate ->
drop the re-created overlap -> encode the kept frames to a video-only part while spooling the
new tail to the workspace -> check for cancellation -> progress "chunk i/N". Then the parts are
joined by stream copy (no re-encode) with one audio track cut at the same frame boundaries,
so sound stays in sync at every seam and the shot has exactly the requested length.

Memory (bench/bench_chained.py): a tail is 25 frames, ~30 MB at 768x512. Held in memory, the
previous tail (the chunk's conditioning, which the engine keeps while it renders) and the new
one (filling up) met at the end of every chunk after the first, beside x264's lookahead: that
was the job's peak. The new tail is written to a file in the workspace as its frames pass and
handed to the next chunk as `SpooledFrames`, a read-only sequence that reads a frame when asked
for one: no tail is held in memory while a chunk renders and encodes. The bytes are exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

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
    tail: Sequence[np.ndarray] = ()
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
        # The time left is the whole shot's: a chunk still to come takes about as long per frame as this one.
        later = sum(c.generate for c in chunks[chunk.index + 1 :]) / chunk.generate
        on_step = run.steps(lo, lo + span, f"Chunk {chunk.index + 1}/{n}", repeats_after=later)
        result = engine.generate(request, on_step)
        part = workspace / f"part_{chunk.index:03d}.mp4"
        audio.add(result.audio, chunk)  # spooled to disk before encoding: not held beside x264 and the frames
        result.audio = None
        spool = _next_tail(workspace / f"tail_{chunk.index:03d}.rgb", overlap.frames, chunk, chunk is chunks[-1], tail)
        frames = _kept(result.frames, chunk, spool)
        written = encode_video(
            frames, part, fps=base.fps, width=base.width, height=base.height, on_frame=lambda i: run.check_cancel()
        )
        if written.num_frames != chunk.keep:
            raise RuntimeError(f"chunk {chunk.index + 1} produced {written.num_frames} frames instead of {chunk.keep}")
        parts.append(part)
        latents = result.latents if caps.exposes_latents else None
        del request, result, frames  # the engine's hold on the previous tail
        if isinstance(tail, SpooledFrames):
            tail.path.unlink()
        tail = spool.frames(base.height, base.width)

    run.check_cancel()
    run.progress(GENERATE_TO, f"Stitching {len(parts)} chunks...")
    stitched = concat_video_parts(parts, out, audio=audio.track())
    run.progress(STITCH_TO, "Stitched")
    return stitched.num_frames


def _chunk_request(base: VideoRequest, chunk: Chunk, tail: Sequence[np.ndarray], latents: Any) -> VideoRequest:
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
            "continuation": Continuation(frames=tail, latents=latents),
        }
    )


class SpooledFrames(Sequence[np.ndarray]):
    """RGB frames in a raw file, read when asked for (a fresh array each time): a read-only sequence
    that holds no pixels, so an engine may keep it for as long as it renders. `run_chained`
    removes the file once the chunk conditioned on it is encoded."""

    def __init__(self, path: Path, count: int, height: int, width: int) -> None:
        self.path, self._count, self.shape = path, count, (height, width, 3)
        self._bytes = height * width * 3

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        i = index + self._count if index < 0 else index
        if not 0 <= i < self._count:
            raise IndexError(f"frame {index} of {self._count}")
        return np.fromfile(self.path, np.uint8, count=self._bytes, offset=i * self._bytes).reshape(self.shape)


class TailSpool:
    """The next chunk's conditioning tail (the shot's last overlap frames so far), spooled to `path`.

    `carry` are the previous tail's frames that still belong to it (a chunk keeping fewer frames
    than the overlap); `take` is how many of this chunk's last kept frames go in after them.
    """

    def __init__(self, path: Path, take: int, carry: Sequence[np.ndarray] = ()) -> None:
        self.path, self.take = path, take
        self.written = 0
        path.write_bytes(b"")
        for frame in carry:
            self.add(frame)

    def add(self, frame: np.ndarray) -> None:
        with open(self.path, "ab") as f:  # the bytes now: the engine may reuse its buffer for the next frame
            f.write(np.ascontiguousarray(frame, dtype=np.uint8).data)
        self.written += 1

    def frames(self, height: int, width: int) -> SpooledFrames:
        return SpooledFrames(self.path, self.written, height, width)


def _next_tail(path: Path, overlap: int, chunk: Chunk, last: bool, tail: Sequence[np.ndarray]) -> TailSpool:
    if last:  # nothing continues from the last chunk
        return TailSpool(path, 0)
    take = min(overlap, chunk.keep)
    return TailSpool(path, take, tail[len(tail) - (overlap - take) :] if take < overlap else ())


def _kept(frames, chunk: Chunk, tail: TailSpool):
    """Skip the re-created overlap, yield the kept frames, spool the newest tail as they pass."""
    first_in_tail = chunk.keep - tail.take
    for i, frame in enumerate(itertools.islice(iter(frames), chunk.skip, chunk.skip + chunk.keep)):
        if i >= first_in_tail and tail.take:
            tail.add(frame)
        yield frame
