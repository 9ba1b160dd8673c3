"""The sound of the cut: clip audio of V1 and V2 (LTX-2's joint audio) and A1, mixed.

What the player plays (docs/web.md): a V1 or V2 clip's <video> plays its own sound while it is
under the playhead, and A1 plays the sound of its clip's media through Web Audio, all at unit
gain and summed. The mix does the same, at 48 kHz stereo:

- a clip sounds over exactly its timeline span; its media is entered at trim_in / fps seconds
  (where the player seeks) and silence follows when the media's sound ends early;
- mono is copied to both channels (what Web Audio's "speakers" up-mix does); more than two
  channels are down-mixed by swresample;
- mute and solo per track (Cut.audible); the sum is clipped to [-1, 1] as a DAC would;
- the mix lasts exactly as long as the picture: it is read in step with the video frames and
  stops at the range's last frame, so the film ends where the timeline ends (the reference cut
  it at the end of the first audio clip).

Sample positions are exact fractions of the frame rate: timeline frame f starts at sample
round(f * 48000 / fps) (half up), the rule AudioFeeder uses for every MP4 we write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.container import InputContainer

from milimo.media import MediaError
from milimo.render.cut import Cut, CutClip

SAMPLE_RATE = 48_000
CHANNELS = 2
_DECODE_ERRORS = (av.FFmpegError, OSError, IndexError)


def sample_at(frame: int | Fraction, fps: Fraction, sample_rate: int = SAMPLE_RATE) -> int:
    """First audio sample of timeline frame `frame` (rounded half up, exact for NTSC rates)."""
    return int(Fraction(frame) * sample_rate / fps + Fraction(1, 2))


class ClipSound:
    """One media file's sound at 48 kHz stereo, read forward in chunks from a start sample."""

    def __init__(self, path: Path, skip: int):
        self.path = path
        self.skip = skip  # samples (at 48 kHz) of the media to pass over before the first read
        self._chunks: list[np.ndarray] = []
        self._buffered = 0
        self._frames: Iterator[np.ndarray] | None = None
        self._container: InputContainer | None = None
        self._ended = False
        self._position = 0  # media samples decoded so far (lead silence included)
        self._limit: int | None = None

    def read(self, n: int) -> np.ndarray:
        """The next n samples, (2, n) float32; silence once the media's sound has ended."""
        if self._frames is None and not self._ended:
            self._open()
        while self.skip > 0 and not self._ended:
            self._fill(min(self.skip, 1 << 16))
            self.skip -= self._take(min(self.skip, self._buffered)).shape[1]
        self._fill(n)
        out = self._take(min(n, self._buffered))
        if out.shape[1] < n:
            out = np.pad(out, ((0, 0), (0, n - out.shape[1])))
        return out

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
        self._frames = None
        self._ended = True

    def _open(self) -> None:
        try:
            container = self._container = av.open(str(self.path))
            stream = container.streams.audio[0]
        except _DECODE_ERRORS as exc:
            self.close()
            raise MediaError(f"{self.path.name}: its sound cannot be decoded ({exc})") from exc
        channels = stream.codec_context.channels or 1
        self._mono = channels == 1
        layout = "mono" if self._mono else "stereo"
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        self._stream = stream
        # AAC ends on a whole 1024-sample frame; the container says where the sound really ends.
        tb = stream.time_base
        self._limit = round(stream.duration * tb * SAMPLE_RATE) if stream.duration and tb else None
        self._frames = self._decode()

    def _decode(self):
        first = True
        try:
            for frame in self._container.decode(self._stream):
                if first:
                    first = False
                    tb = self._stream.time_base
                    offset = round(frame.pts * tb * SAMPLE_RATE) if frame.pts is not None and tb else 0
                    if offset > 0:  # the sound starts after the file's zero: that much silence first
                        yield np.zeros((CHANNELS, offset), np.float32)
                    elif offset < 0:  # samples before zero (undiscarded encoder priming) are not heard
                        self.skip -= offset
                for out in self._resampler.resample(frame):
                    yield self._stereo(out.to_ndarray())
            for out in self._resampler.resample(None):
                yield self._stereo(out.to_ndarray())
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path.name}: decoding its sound failed ({exc})") from exc

    def _stereo(self, samples: np.ndarray) -> np.ndarray:
        samples = samples.astype(np.float32, copy=False)
        return np.repeat(samples, 2, axis=0) if self._mono else samples

    def _fill(self, n: int) -> None:
        while self._buffered < n and not self._ended:
            assert self._frames is not None  # opened by read(); close() ends the sound
            chunk = next(self._frames, None)
            if chunk is None:
                self.close()
                break
            if self._limit is not None:
                chunk = chunk[:, : max(0, self._limit - self._position)]
            self._position += chunk.shape[1]
            if chunk.shape[1]:
                self._chunks.append(chunk)
                self._buffered += chunk.shape[1]

    def _take(self, n: int) -> np.ndarray:
        if n <= 0:
            return np.zeros((CHANNELS, 0), np.float32)
        joined = self._chunks[0] if len(self._chunks) == 1 else np.concatenate(self._chunks, axis=1)
        out, rest = joined[:, :n], joined[:, n:]
        self._chunks = [rest] if rest.shape[1] else []
        self._buffered = rest.shape[1]
        return out


@dataclass
class _Voice:
    clip: CutClip
    start: int  # absolute timeline sample where the clip starts sounding
    end: int
    media_offset: int  # media sample at `start`: trim_in / fps seconds in
    sound: ClipSound | None = None


class Mix:
    """The mixed sound of the cut from timeline frame `in_frame` on, read in order in chunks."""

    def __init__(self, cut: Cut, in_frame: int, sample_rate: int = SAMPLE_RATE):
        self.sample_rate = sample_rate
        self.origin = sample_at(in_frame, cut.fps, sample_rate)
        self.position = self.origin  # absolute sample of the next read
        voices = []
        for track in cut.tracks:
            if not cut.audible(track):
                continue
            for clip in track.clips:
                if clip.media is None or not (clip.media.has_audio or clip.media.kind == "audio"):
                    continue
                start, end = sample_at(clip.start_frame, cut.fps), sample_at(clip.end_frame, cut.fps)
                if end > self.origin:
                    voices.append(_Voice(clip, start, end, sample_at(clip.trim_in, cut.fps)))
        self._pending = sorted(voices, key=lambda v: v.start)
        self._live: list[_Voice] = []

    def read(self, n: int) -> np.ndarray:
        """The next n samples of the mix, (2, n) float32 in [-1, 1]."""
        a, b = self.position, self.position + n
        out = np.zeros((CHANNELS, n), np.float32)
        while self._pending and self._pending[0].start < b:
            self._live.append(self._pending.pop(0))
        for voice in list(self._live):
            lo, hi = max(a, voice.start), min(b, voice.end)
            if lo < hi:
                if voice.sound is None:
                    assert voice.clip.media is not None  # only clips with a take get a voice
                    voice.sound = ClipSound(voice.clip.media.path, voice.media_offset + lo - voice.start)
                out[:, lo - a : hi - a] += voice.sound.read(hi - lo)
            if voice.end <= b:
                if voice.sound is not None:
                    voice.sound.close()
                self._live.remove(voice)
        self.position = b
        np.clip(out, -1.0, 1.0, out=out)
        return out

    def close(self) -> None:
        for voice in self._live:
            if voice.sound is not None:
                voice.sound.close()
        self._live.clear()
        self._pending.clear()
