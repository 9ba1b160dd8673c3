"""Chained generation: stitching parts by stream copy ÷ re-encoding the same frames (target ≤ 0.05),
and the peak memory of a whole 2,000-frame draft job at 768×512 (target ≤ 300 MB, flat in length)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench._common import Timer, machine_load, record
from milimo.engines.draft import DraftVideoEngine
from milimo.engines.protocols import VideoRequest
from milimo.media import encode_video, iter_frames
from milimo.media.concat import concat_video_parts

W, H, FPS = 768, 512, 24
PART_FRAMES = [505, 480, 480, 535]  # 2,000 frames, as a chained job keeps them


def make_parts(folder: Path) -> list[Path]:
    engine, parts, start = DraftVideoEngine(), [], 0
    for i, n in enumerate(PART_FRAMES):
        video = engine.generate(VideoRequest(prompt="bench", width=W, height=H, num_frames=n, fps=FPS, seed=i), lambda s, t: None)
        path = folder / f"part_{i}.mp4"
        encode_video(video.frames, path, fps=FPS, width=W, height=H)
        parts.append(path)
        start += n
    return parts


def peak_rss_of(cmd: list[str]) -> tuple[float, float]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ps, peak, t0 = psutil.Process(proc.pid), 0, time.perf_counter()
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    return peak / 2**20, time.perf_counter() - t0


def main() -> None:
    load_before = machine_load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parts = make_parts(folder)
        with Timer() as stitch:
            concat_video_parts(parts, folder / "stitched.mp4")
        frames = (f for p in parts for f in iter_frames(p))
        with Timer() as reencode:
            encode_video(frames, folder / "reencoded.mp4", fps=FPS, width=W, height=H)
        lengths = {}
        for n in (1000, 2000):
            lengths[n] = peak_rss_of(
                [
                    sys.executable,
                    "-m",
                    "milimo.cli",
                    "generate",
                    "bench",
                    "--frames",
                    str(n),
                    "--width",
                    str(W),
                    "--height",
                    str(H),
                    "-q",
                    "-o",
                    str(folder / f"job{n}.mp4"),
                ]
            )
    record(
        "chained",
        {
            "frames": sum(PART_FRAMES),
            "size": f"{W}x{H}",
            "stitch_s": round(stitch.seconds, 3),
            "reencode_s": round(reencode.seconds, 2),
            "ratio_stitch_vs_reencode": round(stitch.seconds / reencode.seconds, 4),
            "job_1000_peak_rss_mb": round(lengths[1000][0], 1),
            "job_1000_wall_s": round(lengths[1000][1], 1),
            "job_2000_peak_rss_mb": round(lengths[2000][0], 1),
            "job_2000_wall_s": round(lengths[2000][1], 1),
            "target_peak_rss_mb": 300,
        },
        load_before,
    )


if __name__ == "__main__":
    main()
