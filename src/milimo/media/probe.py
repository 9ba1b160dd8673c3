"""What a media file is: kind, size, rate, exact frame count, duration, audio, codecs."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
from PIL import Image, UnidentifiedImageError

from milimo.media.errors import MediaError

MediaKind = Literal["video", "audio", "image"]


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    kind: MediaKind
    width: int = 0  # 0 for audio
    height: int = 0
    fps: Fraction | None = None  # None for images and audio
    num_frames: int = 0  # exact for video (1 for an image, 0 for audio)
    duration: float = 0.0  # seconds; 0 for images
    container: str = ""  # "mp4", "png", "matroska,webm", ...
    video_codec: str | None = None  # "h264", "png", "mjpeg", ...
    has_audio: bool = False
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None

    @property
    def fps_float(self) -> float:
        return float(self.fps) if self.fps else 0.0


def probe(path: Path | str) -> MediaInfo:
    """Inspect `path`. Raises MediaError when it is missing, empty or not decodable media."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path.name}: no such file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path.name}: the file is empty")
    still = _probe_still_image(path)
    return still if still is not None else _probe_av(path)


def _probe_still_image(path: Path) -> MediaInfo | None:
    """Still images through Pillow (header only); None when Pillow does not know the file.

    Animated GIF/WebP are left to FFmpeg, which reports them as video with a frame count.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # probing reads no pixels
            with Image.open(path) as im:
                if getattr(im, "n_frames", 1) > 1:
                    return None
                return MediaInfo(
                    path=path,
                    kind="image",
                    width=im.width,
                    height=im.height,
                    num_frames=1,
                    container=(im.format or "").lower(),
                    video_codec=(im.format or "").lower(),
                )
    except Image.DecompressionBombError as exc:
        raise MediaError(f"{path.name}: the image is too large to open safely ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _probe_av(path: Path) -> MediaInfo:
    try:
        with av.open(str(path)) as container:
            return _describe(path, container)
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise MediaError(f"{path.name}: not a video, audio or image file we can decode ({exc})") from exc


def _describe(path: Path, container) -> MediaInfo:
    videos = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    audio = container.streams.audio[0] if container.streams.audio else None
    fmt = container.format.name
    audio_fields = {}
    if audio is not None:
        audio_fields = dict(
            has_audio=True,
            audio_codec=audio.codec_context.name,
            sample_rate=audio.codec_context.sample_rate,
            channels=audio.codec_context.channels,
        )
    if not videos:
        if audio is None:
            raise MediaError(f"{path.name}: the file holds no video or audio stream")
        duration = _seconds(audio.duration, audio.time_base) or _container_seconds(container)
        return MediaInfo(path=path, kind="audio", duration=duration, container=fmt, **audio_fields)

    stream = videos[0]
    first = _first_frame(container, stream)  # proves the stream decodes; header sizes can lie
    fps = stream.average_rate or stream.guessed_rate or stream.base_rate
    num_frames = stream.frames or _count_packets(path, stream.index)
    kind: MediaKind = "image" if num_frames == 1 and _is_image_format(fmt) else "video"
    duration = _seconds(stream.duration, stream.time_base) or _container_seconds(container)
    if not duration and fps:
        duration = float(num_frames / Fraction(fps))
    return MediaInfo(
        path=path,
        kind=kind,
        width=first.width,
        height=first.height,
        fps=Fraction(fps) if fps and kind == "video" else None,
        num_frames=num_frames,
        duration=0.0 if kind == "image" else duration,
        container=fmt,
        video_codec=stream.codec_context.name,
        **audio_fields,
    )


def _first_frame(container, stream) -> av.VideoFrame:
    for frame in container.decode(stream):
        return frame
    raise MediaError("the video stream has no decodable frame")


def _count_packets(path: Path, index: int) -> int:
    """Frames counted from the container's packets (Matroska/WebM and raw streams carry no count).

    One packet is one shown frame for the codecs we meet (H.264, HEVC, VP8/9, AV1 in WebM/MKV);
    demuxing without decoding keeps this fast.
    """
    with av.open(str(path)) as container:
        stream = container.streams[index]
        return sum(1 for p in container.demux(stream) if p.size)


def verify_demux(path: Path | str) -> int:
    """Read every packet of the file (demux only, nothing decoded) and return the video stream's
    frame count as measured: complete packets, one per shown frame. MediaError when the file ends
    early or is damaged: a truncated MP4 whose index sits at the front still says 505 frames in
    its header while 148 are there, and the header is what `probe` reads."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            video = next((s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic), None)
            declared = video.frames if video is not None else 0
            frames = 0
            for packet in container.demux():
                if packet.is_corrupt:
                    raise MediaError(
                        f"{path.name}: the file is damaged or cut off (a packet at "
                        f"{_seconds(packet.pts, packet.time_base):.2f} s is incomplete)"
                    )
                if video is not None and packet.stream.index == video.index and packet.size:
                    frames += 1
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path.name}: the file cannot be read to its end ({exc})") from exc
    if declared and frames < declared:
        raise MediaError(f"{path.name}: the file is cut off: its index lists {declared} frames but {frames} are there")
    return frames


def _seconds(value: int | None, time_base: Fraction | None) -> float:
    return float(value * time_base) if value and time_base else 0.0


def _container_seconds(container) -> float:
    return container.duration / av.time_base if container.duration else 0.0


def _is_image_format(fmt: str) -> bool:
    return fmt.endswith("_pipe") or fmt in ("image2", "gif", "webp", "apng")
