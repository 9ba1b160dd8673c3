"""Draft animatic → MP4 ÷ bare encode of the same frames and sound (issue 3 target ≤ 1.3), 121 frames 768×512.

Like for like: both sides encode the same frames with the same encoder settings *and the same
audio track* (the animatic's sync pips), so the ratio is what drawing costs on top of encoding
and nothing else. The animatic renders its frames lazily while the encoder pulls them; the bare
side is fed the frames rendered beforehand (not timed). Runs alternate which side goes first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

from bench._common import Timer, machine_load, median, record
from milimo.engines.draft import DraftVideoEngine
from milimo.engines.protocols import ConditioningImage, ShotContext, VideoRequest
from milimo.media import encode_video

W, H, N, FPS, RUNS = 768, 512, 121, 24, 5


def requests() -> dict[str, VideoRequest]:
    still = Image.linear_gradient("L").resize((1024, 683)).convert("RGB")
    ctx = ShotContext(
        scene_heading="EXT. PIER - DAWN",
        action="Mara walks to the end of the pier.",
        character="MARA",
        dialogue="Almost there.",
        shot_type="wide",
    )
    base = {
        "prompt": "A lighthouse keeper walks the pier at dawn",
        "width": W,
        "height": H,
        "num_frames": N,
        "fps": FPS,
        "seed": 3,
        "context": ctx,
    }
    return {"title_card": VideoRequest(**base), "image_to_video": VideoRequest(**base, images=[ConditioningImage(still, 0, 1.0)])}


def main() -> None:
    load_before = machine_load()
    engine = DraftVideoEngine()
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, req in requests().items():
            made = engine.generate(req, lambda s, t: None)
            frames = [f.copy() for f in made.frames]  # pre-rendered, not timed
            audio = made.audio  # the same sound on both sides
            bare, full = [], []

            def run_bare(i: int, frames=frames, audio=audio, bare=bare) -> None:
                with Timer() as t:
                    encode_video(iter(frames), Path(tmp) / f"bare{i}.mp4", fps=FPS, width=W, height=H, audio=audio)
                bare.append(t.seconds)

            def run_full(i: int, req=req, full=full) -> None:
                with Timer() as t:
                    video = engine.generate(req, lambda s, t: None)
                    encode_video(video.frames, Path(tmp) / f"full{i}.mp4", fps=FPS, width=W, height=H, audio=video.audio)
                full.append(t.seconds)

            for i in range(RUNS):
                for side in (run_bare, run_full) if i % 2 == 0 else (run_full, run_bare):
                    side(i)
            result[f"{name}_bare_encode_s"] = round(median(bare), 3)
            result[f"{name}_animatic_s"] = round(median(full), 3)
            result[f"{name}_ratio"] = round(median(full) / median(bare), 3)
    record(
        "animatic",
        {"frames": N, "size": f"{W}x{H}", "runs": RUNS, "audio_on_both_sides": True, **result, "target_ratio": 1.3},
        load_before,
    )


if __name__ == "__main__":
    main()
