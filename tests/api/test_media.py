"""Media serving: HTTP ranges, validators, content types, and containment."""

from __future__ import annotations

import os
import socket
import time

import httpx
import pytest

from milimo.api.media import MediaFileResponse

DATA = bytes(range(256)) * 40  # 10,240 bytes with a recognisable pattern


@pytest.fixture
def media(client, settings, project):
    pid = project["id"]
    folder = settings.project_dir(pid)
    (folder / "generated" / "clip.mp4").write_bytes(DATA)
    (folder / "thumbnails" / "t.jpg").write_bytes(b"\xff\xd8jpeg")
    (folder / "generated" / "empty.bin").write_bytes(b"")
    return pid, folder


def test_full_get_has_validators_and_content_type(client, media):
    pid, _ = media
    r = client.get(f"/projects/{pid}/generated/clip.mp4")
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"] and r.headers["last-modified"]
    assert client.get(f"/projects/{pid}/thumbnails/t.jpg").headers["content-type"] == "image/jpeg"
    head = client.head(f"/projects/{pid}/generated/clip.mp4")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(DATA)) and head.content == b""


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=-10", len(DATA) - 10, len(DATA) - 1),
        ("bytes=10000-99999", 10000, len(DATA) - 1),
        ("bytes=-99999", 0, len(DATA) - 1),
        ("bytes=5-5", 5, 5),
    ],
)
def test_single_ranges(client, media, header, start, end):
    pid, _ = media
    r = client.get(f"/projects/{pid}/generated/clip.mp4", headers={"Range": header})
    assert r.status_code == 206
    assert r.content == DATA[start : end + 1]
    assert r.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert r.headers["content-length"] == str(end - start + 1)


@pytest.mark.parametrize("header", ["bytes=20000-30000", "bytes=10240-", "bytes=-0"])
def test_unsatisfiable_range_is_416(client, media, header):
    pid, _ = media
    r = client.get(f"/projects/{pid}/generated/clip.mp4", headers={"Range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(DATA)}"


def test_range_on_empty_file_is_416(client, media):
    pid, _ = media
    assert client.get(f"/projects/{pid}/generated/empty.bin", headers={"Range": "bytes=0-"}).status_code == 416


def test_multiple_ranges_are_multipart(client, media):
    pid, _ = media
    r = client.get(f"/projects/{pid}/generated/clip.mp4", headers={"Range": "bytes=0-9,100-109"})
    assert r.status_code == 206 and r.headers["content-type"].startswith("multipart/byteranges")
    assert DATA[0:10] in r.content and DATA[100:110] in r.content


def test_if_none_match_and_if_range(client, media):
    pid, folder = media
    url = f"/projects/{pid}/generated/clip.mp4"
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 206
    # The file changed: an old validator in If-Range means "send it whole".
    os.utime(folder / "generated" / "clip.mp4", (1_000_000, 1_000_000))
    assert client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 200


def test_large_file_is_streamed_not_buffered(client, settings, project):
    # 16 MiB through a range read: the response body is produced in chunks.
    pid = project["id"]
    path = settings.project_dir(pid) / "generated" / "big.mp4"
    with open(path, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    with client.stream("GET", f"/projects/{pid}/generated/big.mp4") as r:
        sizes = [len(chunk) for chunk in r.iter_raw()]
    assert sum(sizes) == 16 * 1024 * 1024 and len(sizes) > 4


def test_files_bigger_than_a_read_come_back_exact_whole_and_in_ranges(client, settings, project):
    # A file of two reads and change, patterned so a misplaced chunk shows.
    pid = project["id"]
    read = MediaFileResponse.chunk_size
    data = (bytes(range(251)) * (3 * read // 251))[: 2 * read + 12345]
    (settings.project_dir(pid) / "generated" / "long.mp4").write_bytes(data)
    url = f"/projects/{pid}/generated/long.mp4"
    assert client.get(url).content == data
    for start, end in [(read - 10, read + 10), (0, 2 * read), (2 * read - 1, len(data) - 1), (5, 5)]:
        r = client.get(url, headers={"Range": f"bytes={start}-{end}"})
        assert r.status_code == 206 and r.content == data[start : end + 1], (start, end)
    r = client.get(url, headers={"Range": f"bytes=-{read + 7}"})
    assert r.content == data[-(read + 7) :]
    r = client.get(url, headers={"Range": f"bytes=0-9,{read - 5}-{2 * read + 5}"})
    assert data[0:10] in r.content and data[read - 5 : 2 * read + 6] in r.content


def test_a_slow_reader_gets_every_byte_while_buffers_are_reused(server_factory, tmp_path):
    # A real server (uvloop keeps a view of a body it could not write at once) and a reader slower
    # than it: a buffer refilled while still queued would put later bytes in place of earlier ones.
    server = server_factory()
    pid = httpx.post(server.url + "/projects", json={"name": "Slow"}).json()["id"]
    read = MediaFileResponse.chunk_size
    data = b"".join(bytes([i]) * read for i in range(12)) + b"tail"  # each read's bytes differ from the last
    (server.data_dir / "projects" / pid / "generated" / "slow.mp4").write_bytes(data)
    for range_header, expected in [("", data), (f"bytes={read // 2}-", data[read // 2 :])]:
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            extra = f"Range: {range_header}\r\n" if range_header else ""
            s.sendall(
                f"GET /projects/{pid}/generated/slow.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode()
            )
            got = bytearray()
            while chunk := s.recv(64 * 1024):
                got += chunk
                time.sleep(0.001)
        body = bytes(got).split(b"\r\n\r\n", 1)[1]
        assert len(body) == len(expected) and body == expected, range_header


def test_if_none_match_comparison():
    from milimo.studio.media_files import etag_matches

    assert etag_matches('"abc"', '"abc"') and etag_matches('W/"abc"', '"abc"') and etag_matches('"x", "abc"', '"abc"')
    assert not etag_matches(None, '"abc"') and not etag_matches("", '"abc"') and not etag_matches('"abd"', '"abc"')


TRAVERSALS = [
    "../milimo.db",
    "..%2F..%2Fmilimo.db",
    "%2e%2e/%2e%2e/milimo.db",
    "%2e%2e%2f%2e%2e%2fmilimo.db",
    "..%5c..%5cmilimo.db",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "sub\\..\\..\\x",
    ".hidden.part.mp4",
    "",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_is_refused(client, settings, media, path):
    pid, _ = media
    (settings.data_dir / "secret.txt").write_text("secret")
    (settings.project_dir(pid) / "generated" / ".hidden.part.mp4").write_bytes(b"half")
    r = client.get(f"/projects/{pid}/generated/{path}")
    assert r.status_code == 404, (path, r.status_code)
    assert b"secret" not in r.content and b"SQLite" not in r.content


def test_symlink_pointing_out_is_refused(client, settings, media, tmp_path):
    pid, folder = media
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    (folder / "generated" / "link.mp4").symlink_to(outside)
    (folder / "generated" / "dirlink").symlink_to(tmp_path)
    assert client.get(f"/projects/{pid}/generated/link.mp4").status_code == 404
    assert client.get(f"/projects/{pid}/generated/dirlink/outside.txt").status_code == 404


def test_sibling_folder_sharing_a_prefix_is_refused(client, settings, media):
    pid, folder = media
    sibling = folder.parent / f"{pid}_secret" / "generated"
    sibling.mkdir(parents=True)
    (sibling / "x.mp4").write_text("sibling")
    assert client.get(f"/projects/{pid}/generated/..%2F..%2F{pid}_secret/generated/x.mp4").status_code == 404
    assert client.get(f"/projects/{pid}_secret/generated/x.mp4").status_code == 404  # no such project folder served


def test_other_folders_and_other_projects(client, settings, media):
    pid, folder = media
    (folder / "workspace" / "scratch.mp4").write_bytes(b"private")
    assert client.get(f"/projects/{pid}/workspace/scratch.mp4").status_code == 404
    assert client.get("/projects/nope/generated/clip.mp4").status_code == 404
    assert client.get(f"/projects/{pid}/generated/missing.mp4").status_code == 404
    assert client.get(f"/projects/{pid}/generated/").status_code == 404
