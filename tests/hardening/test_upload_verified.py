"""Uploaded video is demuxed to its last packet: a file cut off is refused, frames are counted."""

from __future__ import annotations

import numpy as np

from milimo.media import encode_video


def _faststart_mp4(tmp_path, frames: int):
    # Noise, so the frames are large and a cut at a third lands deep in the picture data.
    rng = np.random.default_rng(3)
    path = tmp_path / "take.mp4"
    encode_video((rng.integers(0, 255, (96, 128, 3), np.uint8) for _ in range(frames)), path, fps=24, width=128, height=96)
    return path.read_bytes()


def _upload(client, pid, data):
    return client.post("/upload", data={"project_id": pid}, files={"file": ("take.mp4", data, "video/mp4")})


def test_a_truncated_mp4_with_its_index_in_front_is_refused(client, project, tmp_path):
    data = _faststart_mp4(tmp_path, 120)
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat"), "index at the front"
    r = _upload(client, project["id"], data[: len(data) // 3])
    assert r.status_code == 415, r.text
    assert "cut off" in r.json()["detail"] or "damaged" in r.json()["detail"]
    assert ".part" not in r.json()["detail"], "no temporary file names in messages"
    assert client.get(f"/projects/{project['id']}/assets").json() == []


def test_a_complete_upload_reports_its_measured_frame_count(client, project, tmp_path):
    r = _upload(client, project["id"], _faststart_mp4(tmp_path, 37))
    assert r.status_code == 201, r.text
    assert r.json()["num_frames"] == 37
