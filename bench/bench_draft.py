"""Draft engines on the CPU: animatic frames per second at 768x512 per mode, storyboard card and
prompt enhancement latency, and memory over a 2,000-frame animatic.

An animatic frame is one crop-and-resize (two when dissolving) plus the sync band, so the
animatic should outrun a real-time encoder: the anchor is >= 60 frames/s at 768x512 on 2 cores.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import av
import numpy as np
import psutil
from PIL import Image

from bench._common import median, record
from milimo.engines.draft import DraftImageEngine, DraftTextEngine, DraftVideoEngine
from milimo.engines.protocols import ConditioningImage, ConditioningVideo, ImageRequest, ShotContext, VideoRequest

W, H, N = 768, 512, 121
SCENE = ShotContext(
    scene_heading="INT. KITCHEN - NIGHT",
    action="Maya pours coffee while rain hammers the window.",
    character="Maya",
    dialogue="You said eight.",
    shot_type="close_up",
)


def photo(seed: int) -> Image.Image:
    g = np.random.default_rng(seed)
    a = np.zeros((720, 1280, 3), np.float32)
    a[..., 0] = np.linspace(0, 255, 1280)[None, :]
    a[..., 1] = np.linspace(0, 255, 720)[:, None]
    return Image.fromarray(np.clip(a + g.normal(0, 10, a.shape), 0, 255).astype(np.uint8))


def fps_of(engine: DraftVideoEngine, request: VideoRequest) -> float:
    t0 = time.perf_counter()
    count = sum(1 for _ in engine.generate(request, lambda i, n: None).frames)
    return count / (time.perf_counter() - t0)


def conditioning_video(path: Path) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 1280, 720, "yuv420p"
        base = np.asarray(photo(9))
        for k in range(N):
            for p in s.encode(av.VideoFrame.from_ndarray(np.roll(base, k * 6, axis=1), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def main() -> None:
    video = DraftVideoEngine()
    base = dict(prompt="Maya pours coffee", width=W, height=H, num_frames=N)
    modes = {
        "title_card": VideoRequest(context=SCENE, **base),
        "image_to_video": VideoRequest(images=[ConditioningImage(photo(1))], context=SCENE, **base),
        "keyframes": VideoRequest(
            images=[ConditioningImage(photo(1), 0), ConditioningImage(photo(2), 60), ConditioningImage(photo(3), 120)], **base
        ),
    }
    result: dict = {"size": f"{W}x{H}", "frames": N}
    for name, request in modes.items():
        result[f"{name}_fps"] = round(median([fps_of(video, request) for _ in range(3)]), 1)
    with TemporaryDirectory() as tmp:
        ref = conditioning_video(Path(tmp) / "ref.mp4")
        result["video_restyle_fps"] = round(fps_of(video, VideoRequest(videos=[ConditioningVideo(ref)], **base)), 1)

    proc = psutil.Process()
    long = video.generate(
        VideoRequest(prompt="p", width=W, height=H, num_frames=2000, images=[ConditioningImage(photo(1))]), lambda i, n: None
    )
    rss0 = 0
    for i, _ in enumerate(long.frames):
        if i == 100:
            gc.collect()
            rss0 = proc.memory_info().rss
    result["rss_growth_2000_frames_mib"] = round((proc.memory_info().rss - rss0) / 2**20, 1)

    image = DraftImageEngine()
    times = []
    for seed in range(5):
        t0 = time.perf_counter()
        image.generate(
            ImageRequest(prompt="Maya pours coffee", width=1024, height=1024, seed=seed, references=[photo(4)], context=SCENE),
            lambda i, n: None,
        )
        times.append((time.perf_counter() - t0) * 1000)
    result["storyboard_card_1024_ms"] = round(median(times), 1)

    text = DraftTextEngine()
    times = []
    for seed in range(50):
        t0 = time.perf_counter()
        text.enhance(
            "INT. KITCHEN - NIGHT. Shot Type: close_up. Maya pours coffee and stares at the door.",
            mode="video",
            duration_s=10,
            seed=seed,
        )
        times.append((time.perf_counter() - t0) * 1000)
    result["enhance_ms"] = round(median(times), 2)
    result["anchor_fps"] = 60
    result["ratio_image_to_video_vs_anchor"] = round(result["image_to_video_fps"] / 60, 2)
    record("draft", result)


if __name__ == "__main__":
    main()
