"""The one error type of the media layer."""

from __future__ import annotations


class MediaError(ValueError):
    """A file we were asked to read is not media we can use (undecodable, empty, too large).

    The message is user-facing: it names the file's problem, not FFmpeg's internals. It is a
    ValueError because it is always about the input; the API maps it to a 4xx in one place.
    """
