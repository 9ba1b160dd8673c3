"""The one error type of the media layer."""

from __future__ import annotations

from milimo.errors import Invalid


class MediaError(Invalid, ValueError):
    """A file we were asked to read is not media we can use (undecodable, empty, too large).

    The message is user-facing: it names the file's problem, not FFmpeg's internals. It is a
    ValueError because it is always about the input; as a StudioError it maps to 422 in one place.
    """
