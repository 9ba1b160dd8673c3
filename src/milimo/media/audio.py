"""A file's sound decoded once to a raw spool on disk, so a re-encode keeps it with flat memory.

What a task that rewrites a clip's picture (inpainting a clip) needs: the clip's own audio,
decoded at its own sample rate (or 48 kHz when AAC cannot take that rate), mono or stereo
(more channels are down-mixed to stereo), written to a float32 file and read back as a
memory map. encode_video pads or trims it to exactly the new picture's length.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from milimo.engines.protocols import AudioTrack
from milimo.media.encode import AAC_SAMPLE_RATES
from milimo.media.errors import MediaError

FALLBACK_RATE = 48_000


def spool_audio(path: Path | str, spool: Path) -> AudioTrack | None:
    """The first audio stream of `path` as an AudioTrack backed by `spool` (None when it has no sound).

    Sound that starts after the file's zero is preceded by that much silence; samples before zero
    (an encoder's priming) are dropped, as a player does. The caller owns `spool` (a scratch file).
    """
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise MediaError(f"{path.name}: not a file we can decode ({exc})") from exc
    with container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        channels = 1 if (stream.codec_context.channels or 1) == 1 else 2
        rate = stream.rate if stream.rate in AAC_SAMPLE_RATES else FALLBACK_RATE
        resampler = av.AudioResampler(format="fltp", layout="mono" if channels == 1 else "stereo", rate=rate)
        tb = stream.time_base
        limit = round(stream.duration * tb * rate) if stream.duration and tb else None
        written = 0
        first = True
        with open(spool, "wb") as f:

            def write(samples: np.ndarray) -> None:
                nonlocal written
                if limit is not None:
                    samples = samples[:, : max(0, limit - written)]
                if samples.shape[1]:
                    f.write(np.ascontiguousarray(samples.astype(np.float32, copy=False).T).tobytes())
                    written += samples.shape[1]

            skip = 0
            try:
                for frame in container.decode(stream):
                    if first:
                        first = False
                        offset = round(frame.pts * tb * rate) if frame.pts is not None and tb else 0
                        if offset > 0:
                            write(np.zeros((channels, offset), np.float32))
                        skip = max(0, -offset)
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray()
                        if skip:
                            cut = min(skip, samples.shape[1])
                            samples, skip = samples[:, cut:], skip - cut
                        write(samples)
                for out in resampler.resample(None):
                    write(out.to_ndarray())
            except av.FFmpegError as exc:
                raise MediaError(f"{path.name}: decoding its sound failed ({exc})") from exc
    if written == 0:
        return None
    data = np.memmap(spool, dtype=np.float32, mode="r").reshape(-1, channels).T
    return AudioTrack(samples=data, sample_rate=rate)
