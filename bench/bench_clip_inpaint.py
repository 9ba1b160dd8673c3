"""Clip inpainting and mattes through the studio (draft engines), against a bare loop doing the same work.

A 640×360 clip of `FRAMES` frames with a moving square; its tracked mask sequence (one PNG per frame,
the square's box grown a little, as the tracker writes them); then, in the same run, alternating:
- ours: POST /edit/inpaint-clip → the `inpaint_clip` job (decode, merge + grow each frame's masks,
  Telea + feathered composite, encode with the sound) — its started→finished time from the job row;
- anchor: the bare loop — decode with PyAV, read each mask PNG, `cv2.inpaint` Telea with the same
  radius, encode with the media layer (our encoder, which matches the ffmpeg CLI: bench_encode), no sound.
So the ratio is what the studio's job adds: mask reading and checks, grow and feather, the composite,
the sound, progress and cancel checks, the thumbnail, the rows.
- matte: POST /edit/matte against encoding the same black-and-white frames bare.

    python -m bench.bench_clip_inpaint [--frames 240]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

import av
import cv2
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from bench._common import machine_load, median, record
from milimo.app import create_app
from milimo.config import Settings
from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video
from tests.studio.conftest import upload, write_sequence

W, H, FPS, SIDE = 640, 360, 24, 96


def make_clip(path: Path, frames: int) -> list[tuple[int, int]]:
    """A textured background with a red square moving right and down; returns each frame's square corner."""
    yy, xx = np.mgrid[0:H, 0:W]
    plate = np.stack([(xx * 3) % 256, (yy * 5) % 256, ((xx + yy) * 2) % 256], axis=-1).astype(np.uint8)
    corners = [(40 + (i * 3) % (W - SIDE - 80), 30 + (i * 2) % (H - SIDE - 60)) for i in range(frames)]

    def gen():
        for x, y in corners:
            f = plate.copy()
            f[y : y + SIDE, x : x + SIDE] = (220, 30, 30)
            yield f

    t = np.arange(round(frames * 48_000 / FPS)) / 48_000
    tone = AudioTrack(samples=np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32), sample_rate=48_000)
    encode_video(gen(), path, fps=FPS, width=W, height=H, crf=16, preset="veryfast", audio=tone)
    return corners


def write_masks(folder: Path, corners: list[tuple[int, int]]) -> list[Path]:
    names = []
    for i, (x, y) in enumerate(corners):
        m = np.zeros((H, W), np.uint8)
        m[y - 2 : y + SIDE + 2, x - 2 : x + SIDE + 2] = 255
        p = folder / f"frame_{i:05d}_obj_1.png"
        Image.fromarray(m, "L").save(p)
        names.append(p)
    return names


def job_seconds(client: TestClient, job_id: str) -> float:
    deadline = time.monotonic() + 900
    while True:
        job = client.get(f"/status/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "completed", job
    return (datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])).total_seconds()


def bare_inpaint(clip: Path, masks: list[Path], out: Path) -> float:
    t0 = time.perf_counter()

    def frames():
        with av.open(str(clip)) as c:
            for i, frame in enumerate(c.decode(video=0)):
                bgr = frame.to_ndarray(format="bgr24")
                m = cv2.imread(str(masks[i]), cv2.IMREAD_GRAYSCALE)
                yield cv2.inpaint(bgr, m, 5, cv2.INPAINT_TELEA)[:, :, ::-1]

    encode_video(frames(), out, fps=FPS, width=W, height=H)
    return time.perf_counter() - t0


def bare_matte(masks: list[Path], out: Path) -> float:
    t0 = time.perf_counter()
    frames = (np.repeat(cv2.imread(str(m), cv2.IMREAD_GRAYSCALE)[:, :, None], 3, axis=2) for m in masks)
    encode_video(frames, out, fps=FPS, width=W, height=H, crf=6)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    load = machine_load()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data_dir=data, log_level="warning", video_engine="draft", inpaint_engine="draft")
        with TestClient(create_app(settings)) as client:
            pid = client.post("/projects", json={"name": "Bench clip inpaint"}).json()["id"]
            src = Path(tmp) / "clip.mp4"
            corners = make_clip(src, args.frames)
            clip = upload(client, pid, src.read_bytes(), "clip.mp4")
            seq_id, masks = register_sequence(client, data, pid, clip["id"], corners)
            ours, anchor, matte, matte_anchor = [], [], [], []
            for r in range(args.rounds):
                body = {"project_id": pid, "mask_sequence": seq_id, "grow_px": 0, "feather_px": 3}
                ours.append(job_seconds(client, client.post("/edit/inpaint-clip", json=body).json()["job_id"]))
                anchor.append(bare_inpaint(src, masks, Path(tmp) / f"bare{r}.mp4"))
                matte.append(
                    job_seconds(
                        client, client.post("/edit/matte", json={"project_id": pid, "mask_sequence": seq_id}).json()["job_id"]
                    )
                )
                matte_anchor.append(bare_matte(masks, Path(tmp) / f"bare_matte{r}.mp4"))
    o, a, m, ma = median(ours), median(anchor), median(matte), median(matte_anchor)
    record(
        "clip_inpaint",
        {
            "frames": args.frames,
            "size": f"{W}x{H}",
            "rounds": args.rounds,
            "inpaint_clip_job_s": round(o, 3),
            "anchor_bare_decode_telea_encode_s": round(a, 3),
            "ratio_inpaint_clip_vs_bare": round(o / a, 3),
            "inpaint_clip_fps": round(args.frames / o, 1),
            "matte_job_s": round(m, 3),
            "anchor_bare_matte_encode_s": round(ma, 3),
            "ratio_matte_vs_bare": round(m / ma, 3),
        },
        load,
    )


def register_sequence(client: TestClient, data: Path, pid: str, clip_id: str, corners) -> tuple[str, list[Path]]:
    """The mask sequence as the studio registers a tracked one (tests/studio/conftest.py: write_sequence),
    one mask PNG per frame; returns its asset id and its mask files."""
    names = [f"frame_{i:05d}_obj_1.png" for i in range(len(corners))]
    seq = write_sequence(client, data, pid, clip_id, list(range(len(corners))), np.zeros((H, W), bool), names)
    manifest = client.get(f"/assets/{seq['id']}").json()["url"].split(f"/projects/{pid}/", 1)[1]
    return seq["id"], write_masks(data / "projects" / pid / Path(manifest).parent, corners)


if __name__ == "__main__":
    main()
