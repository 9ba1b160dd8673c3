"""The media layer: encode frames to MP4, probe files, read frames back, save stills.

Guarantees (docs/media.md): every write is atomic (a temporary sibling renamed into place),
encoding streams frames one at a time, videos are H.264 yuv420p with the moov box first, and
an audio track lasts exactly as long as the video.
"""

from milimo.media.encode import EncodeResult, encode_video, fps_fraction
from milimo.media.errors import MediaError
from milimo.media.frames import iter_frames, last_frame, tail_frames, thumbnail
from milimo.media.images import load_rgb, save_jpeg, save_thumbnail
from milimo.media.probe import MediaInfo, probe

__all__ = [
    "EncodeResult",
    "MediaError",
    "MediaInfo",
    "encode_video",
    "fps_fraction",
    "iter_frames",
    "last_frame",
    "load_rgb",
    "probe",
    "save_jpeg",
    "save_thumbnail",
    "tail_frames",
    "thumbnail",
]
