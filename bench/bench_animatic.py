"""Draft animatic → MP4 ÷ bare encode of the same frames (issue 3 target ≤ 1.3), 121 frames 768×512.

Both runs encode with the same encoder settings; the animatic renders its frames lazily while
the encoder pulls them, so the ratio shows what drawing costs on top of encoding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

from bench._common import Timer, median, record
from milimo.engines.draft import DraftVideoEngine
from milimo.engines.protocols import ConditioningImage, ShotContext, VideoRequest
from milimo.media import encode_video

W, H, N, FPS = 768, 512, 121, 24


def requests() -> dict[str, VideoRequest]:
    still = Image.linear_gradient("L").resize((1024, 683)).convert("RGB")
    ctx = ShotContext(scene_heading="EXT. PIER - DAWN", action="Mara walks to the end of the pier.", character="MARA",
                      dialogue="Almost there.", shot_type="wide")
    base = dict(prompt="A lighthouse keeper walks the pier at dawn", width=W, height=H, num_frames=N, fps=FPS, seed=3, context=ctx)
    return {"title_card": VideoRequest(**base), "image_to_video": VideoRequest(**base, images=[ConditioningImage(still, 0, 1.0)])}


def main() -> None:
    engine = DraftVideoEngine()
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, req in requests().items():
            frames = [f.copy() for f in engine.generate(req, lambda s, t: None).frames]  # pre-rendered, not timed
            bare, full = [], []
            for i in range(3):
                with Timer() as t:
                    encode_video(iter(frames), Path(tmp) / f"bare{i}.mp4", fps=FPS, width=W, height=H)
                bare.append(t.seconds)
                with Timer() as t:
                    video = engine.generate(req, lambda s, t: None)
                    encode_video(video.frames, Path(tmp) / f"full{i}.mp4", fps=FPS, width=W, height=H, audio=video.audio)
                full.append(t.seconds)
            result[f"{name}_bare_encode_s"] = round(median(bare), 3)
            result[f"{name}_animatic_s"] = round(median(full), 3)
            result[f"{name}_ratio"] = round(median(full) / median(bare), 3)
    record("animatic", {"frames": N, "size": f"{W}x{H}", **result})


if __name__ == "__main__":
    main()
