"""Body caps act while the body arrives: by Content-Length at once, by counting when it is chunked."""

from __future__ import annotations

import socket
import time

import pytest

JSON_CAP = 64 * 1024
UPLOAD_CAP = 1024 * 1024


@pytest.fixture
def server(server_factory, tmp_path):
    return server_factory(
        tmp_path / "data", env={"MILIMO_MAX_JSON_BYTES": str(JSON_CAP), "MILIMO_MAX_UPLOAD_BYTES": str(UPLOAD_CAP)}
    )


def _connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(0.001)
    return sock


def _answer(sock: socket.socket, buf: bytearray) -> bytes | None:
    try:
        chunk = sock.recv(65536)
    except (BlockingIOError, TimeoutError):
        return None
    except ConnectionResetError:
        return bytes(buf) or b"RESET"
    buf += chunk
    return bytes(buf) if b"\r\n\r\n" in buf or not chunk else None


def _send_until_answered(server, head: bytes, chunks, limit: int) -> tuple[bytes, int]:
    """Send the head, then chunks, stopping as soon as the server answers. Returns (answer, body bytes sent)."""
    sock = _connect(server)
    buf = bytearray()
    sent = 0
    try:
        sock.sendall(head)
        for chunk in chunks:
            if (answer := _answer(sock, buf)) is not None:
                return answer, sent
            try:
                sock.settimeout(10)
                sock.sendall(chunk)
                sock.settimeout(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            if sent > limit:
                break
        sock.settimeout(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            buf += data
            if b"\r\n\r\n" in buf:
                break
        return bytes(buf), sent
    finally:
        sock.close()


def test_a_declared_length_over_the_cap_is_refused_before_the_body(server):
    head = (
        b"PUT /projects/p1/save HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 209715200\r\n\r\n"
    )
    started = time.monotonic()
    answer, sent = _send_until_answered(server, head, [b"x" * 65536] * 3200, limit=200 * 1024**2)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 16 * 1024**2 and time.monotonic() - started < 10, "refused without reading 200 MiB"


def _chunked(size: int, piece: int = 16384):
    for _ in range(size // piece):
        yield b"%x\r\n%s\r\n" % (piece, b"x" * piece)
    yield b"0\r\n\r\n"


def test_a_chunked_json_body_is_cut_off_at_the_cap(server):
    head = b"POST /projects HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer, sent = _send_until_answered(server, head, _chunked(64 * 1024**2), limit=64 * 1024**2)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 8 * 1024**2, f"the server kept reading: {sent} bytes sent"


def test_a_chunked_upload_is_cut_off_at_the_upload_cap(server, tmp_path):
    boundary = b"xyz"
    head = (
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n\r\n"
    )
    preamble = (
        b'--xyz\r\nContent-Disposition: form-data; name="project_id"\r\n\r\np1\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )

    def chunks():
        yield b"%x\r\n%s\r\n" % (len(preamble), preamble)
        yield from _chunked(200 * 1024**2, 65536)

    answer, sent = _send_until_answered(server, head, chunks(), limit=200 * 1024**2)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 16 * UPLOAD_CAP, f"the server kept reading: {sent} bytes sent"


def test_bodies_under_the_caps_pass(server):
    import httpx

    with httpx.Client(base_url=server.url, timeout=10) as http:
        r = http.post("/projects", json={"name": "n", "script_text": "x" * (JSON_CAP - 1000)})
        assert r.status_code == 201, r.text
        r = http.post("/projects", json={"name": "n", "script_text": "x" * (JSON_CAP + 10)})
        assert r.status_code == 413 and r.json()["code"] == "too_large"
