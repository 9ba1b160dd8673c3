"""Uploads: size cap, type from the content, bombs, sanitised names, no paths in responses."""

from __future__ import annotations

import io
import struct
import zlib

import av
import numpy as np
from PIL import Image

from milimo.config import Settings
from tests.state import state_shots


def png_bytes(w=32, h=16, color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


def mp4_bytes(tmp_path, frames=5) -> bytes:
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20 % 256, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path.read_bytes()


def upload(client, pid, data, name="photo.png", kind="general", content_type="image/png"):
    return client.post("/upload", data={"project_id": pid, "kind": kind}, files={"file": (name, data, content_type)})


def test_upload_image_registers_an_asset_with_a_server_url(client, settings, project):
    pid = project["id"]
    r = upload(client, pid, png_bytes(), name="Hero Shot.png")
    assert r.status_code == 201, r.text
    asset = r.json()
    assert asset["media_type"] == "image" and asset["mime"] == "image/png"
    assert (asset["width"], asset["height"]) == (32, 16)
    assert asset["url"].startswith(f"/projects/{pid}/assets/uploads/") and asset["url"].endswith("_Hero_Shot.png")
    assert "rel_path" not in asset and str(settings.data_dir) not in r.text
    served = client.get(asset["url"])
    assert served.status_code == 200 and served.content == png_bytes()
    listed = client.get(f"/projects/{pid}/assets").json()
    assert [a["id"] for a in listed] == [asset["id"]]


def test_type_comes_from_the_content_not_the_name(client, project):
    pid = project["id"]
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    asset = upload(client, pid, buf.getvalue(), name="lies.png", content_type="image/png").json()
    assert asset["mime"] == "image/jpeg" and asset["url"].endswith("_lies.jpg")
    r = upload(client, pid, b"#!/bin/sh\necho pwned\n", name="evil.png", content_type="image/png")
    assert r.status_code == 415 and "not an image" in r.json()["detail"]
    assert upload(client, pid, b"", name="empty.png").status_code == 415


def test_video_upload_is_probed(client, project, tmp_path):
    pid = project["id"]
    asset = upload(client, pid, mp4_bytes(tmp_path), name="take.mp4", kind="reference", content_type="video/mp4").json()
    assert asset["media_type"] == "video" and asset["kind"] == "reference"
    assert (asset["width"], asset["height"]) == (64, 48)
    assert asset["url"].startswith(f"/projects/{pid}/assets/references/")


def test_a_painted_mask_is_a_mask_kept_out_of_the_reference_pickers(client, settings, project, tmp_path):
    pid = project["id"]
    still = upload(client, pid, png_bytes(), name="plate.png").json()
    mask = upload(client, pid, png_bytes(color=(255, 255, 255)), name="mask.png", kind="mask").json()
    assert mask["kind"] == "mask" and mask["media_type"] == "image"
    assert mask["url"].startswith(f"/projects/{pid}/masks/")
    offered = client.get(f"/projects/{pid}/images", params={"include_uploads": True}).json()["items"]
    assert [a["id"] for a in offered] == [still["id"]]
    assert [a["id"] for a in client.get(f"/projects/{pid}/assets", params={"kind": "mask"}).json()] == [mask["id"]]

    r = upload(client, pid, mp4_bytes(tmp_path), name="mask.mp4", kind="mask", content_type="video/mp4")
    assert r.status_code == 422 and "a mask must be an image" in r.json()["detail"]
    assert sorted(p.name for p in (settings.project_dir(pid) / "masks").iterdir()) == [mask["url"].rsplit("/", 1)[1]]
    assert len(client.get(f"/projects/{pid}/assets").json()) == 2


def test_size_limit_is_enforced_and_leaves_nothing(tmp_path):
    from fastapi.testclient import TestClient

    from milimo.app import create_app

    settings = Settings(data_dir=tmp_path / "d", max_upload_bytes=2048, log_level="warning")
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "x"}).json()["id"]
        r = upload(client, pid, png_bytes(200, 200) + b"\0" * 4096)
        assert r.status_code == 413 and "MILIMO_MAX_UPLOAD_BYTES" in r.json()["detail"]
        assert list((settings.project_dir(pid) / "assets" / "uploads").iterdir()) == []
        assert client.get(f"/projects/{pid}/assets").json() == []


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG header claiming a huge image (a decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding(client, settings, project):
    pid = project["id"]
    r = upload(client, pid, _bomb_png(100_000, 100_000))
    assert r.status_code == 413 and "pixels" in r.json()["detail"]
    assert list((settings.project_dir(pid) / "assets" / "uploads").iterdir()) == []


def test_hostile_file_names_are_sanitised(client, settings, project):
    pid = project["id"]
    for name in ("../../../etc/passwd.png", "..\\..\\win.png", ".hidden.png", "名前.png", "a" * 500 + ".png"):
        asset = upload(client, pid, png_bytes(), name=name).json()
        stored = asset["url"].rsplit("/", 1)[1]
        assert "/" not in stored and "\\" not in stored and not stored.startswith(".") and len(stored) < 120
        assert (settings.project_dir(pid) / "assets" / "uploads" / stored).is_file()


def test_upload_bad_input(client, project):
    pid = project["id"]
    assert upload(client, "nope", png_bytes()).status_code == 404
    assert upload(client, "..", png_bytes()).status_code == 422
    assert upload(client, pid, png_bytes(), kind="system").status_code == 422
    assert client.post("/upload", data={"project_id": pid}).status_code == 422  # no file


def test_delete_asset_removes_row_and_file_and_respects_references(client, settings, project):
    pid = project["id"]
    asset = upload(client, pid, png_bytes()).json()
    path = settings.project_dir(pid) / asset["url"].split(f"/projects/{pid}/", 1)[1]
    client.put(
        f"/projects/{pid}/save",
        json={"base_version": 1, "shots": [{"id": "s1", "timeline": [{"asset_id": asset["id"], "frame_index": 0}]}]},
    )
    r = client.delete(f"/assets/{asset['id']}")
    assert r.status_code == 409 and r.json()["references"] == {"conditioning_shots": ["s1"]}
    assert path.exists()
    version = client.get(f"/projects/{pid}").json()["version"]
    assert client.delete(f"/assets/{asset['id']}", params={"force": True}).json()["status"] == "deleted"
    assert not path.exists()
    assert client.get(f"/projects/{pid}").json()["version"] == version + 1  # open clients learn the shots changed
    assert client.get(f"/assets/{asset['id']}").status_code == 404
    assert "timeline" not in client.get(f"/projects/{pid}").json()["shots"][0]  # empty: not sent
    assert client.delete(f"/assets/{asset['id']}").status_code == 404


def test_a_shot_can_show_an_uploaded_clip_as_its_take(client, project, tmp_path):
    pid = project["id"]
    clip = upload(client, pid, mp4_bytes(tmp_path, frames=12), name="take.mp4", content_type="video/mp4").json()
    assert clip["thumbnail_url"] and client.get(clip["thumbnail_url"]).headers["content-type"] == "image/jpeg"
    state = client.put(
        f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "up", "media_asset_id": clip["id"], "num_frames": 12}]}
    ).json()
    assert state["shots"][0]["video_url"] == clip["url"]  # the answer carries what the server derived from the take
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert (shot["media_asset_id"], shot["video_url"], shot["thumbnail_url"]) == (clip["id"], clip["url"], clip["thumbnail_url"])
    assert (shot["engine"], shot["actual_frames"], shot["status"]) == ("upload", 12, "completed")
    detached = client.patch("/shots/up", json={"media_asset_id": None}).json()["shot"]
    assert (detached["media_asset_id"], detached["video_url"], detached["status"]) == (None, None, "pending")
    other = client.post("/projects", json={"name": "Other"}).json()["id"]
    foreign = upload(client, other, png_bytes()).json()
    r = client.patch("/shots/up", json={"media_asset_id": foreign["id"]})
    assert r.status_code == 422 and "not an asset of this project" in r.json()["detail"]
    assert (r.json()["shot_id"], r.json()["media_asset_id"]) == ("up", foreign["id"])
    # Deleting the asset (forced) leaves the shot without a take, never pointing at a missing file.
    client.patch("/shots/up", json={"media_asset_id": clip["id"]})
    assert client.delete(f"/assets/{clip['id']}", params={"force": True}).status_code == 200
    shot = state_shots(client.get(f"/projects/{pid}").json())[0]
    assert (shot.get("media_asset_id"), shot.get("video_url")) == (None, None)  # null: not sent


def test_audio_upload_is_probed(client, project, tmp_path):
    import wave

    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes((np.sin(np.arange(48000) / 48000 * 2 * np.pi * 440) * 12000).astype("<i2").tobytes())
    asset = upload(client, project["id"], path.read_bytes(), name="tone.wav", content_type="audio/wav").json()
    assert (asset["media_type"], asset["mime"]) == ("audio", "audio/wav")
    assert abs(asset["duration_s"] - 1.0) < 0.05 and asset["url"].endswith("_tone.wav")
