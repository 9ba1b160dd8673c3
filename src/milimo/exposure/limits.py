"""Request body caps, enforced while the body arrives (an ASGI middleware).

A declared Content-Length over the cap is refused before one byte is read; a body without one
(chunked) is counted as it streams and cut off at the cap. Before this, a 200 MiB upload was
spooled to /tmp against a 10 MiB limit, and a 200 MB JSON body cost 547 MB of memory before its
422. Uploads get MILIMO_MAX_UPLOAD_BYTES (plus room for the multipart envelope); every other
body gets MILIMO_MAX_JSON_BYTES.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from milimo.config import Settings
from milimo.exposure.guard import send_error

UPLOAD_PATHS = frozenset({"/upload"})
MULTIPART_ENVELOPE = 1024 * 1024  # boundaries and the form's small fields


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.upload_cap = settings.max_upload_bytes + MULTIPART_ENVELOPE
        self.json_cap = settings.max_json_bytes

    def _message(self, path: str, cap: int) -> str:
        if path in UPLOAD_PATHS:
            return f"the upload is larger than the limit of {cap - MULTIPART_ENVELOPE} bytes (MILIMO_MAX_UPLOAD_BYTES)"
        return f"the request body is larger than the limit of {cap} bytes (MILIMO_MAX_JSON_BYTES)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        cap = self.upload_cap if path in UPLOAD_PATHS else self.json_cap
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            if not declared.isdigit():
                await send_error(send, 400, "bad_request", "the Content-Length header is not a number")
                return
            if int(declared) > cap:
                await send_error(send, 413, "too_large", self._message(path, cap))
                return
        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise BodyTooLarge()
            return message

        async def guarded(message: Message) -> None:
            # Whatever the app answers after its body read failed (FastAPI makes it a 400), the client gets the 413.
            nonlocal started
            if over:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await send_error(send, 413, "too_large", self._message(path, cap))
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            if not started:
                await send_error(send, 413, "too_large", self._message(path, cap))
