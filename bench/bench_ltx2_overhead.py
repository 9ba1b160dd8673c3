"""What the studio adds around LTX-2: a job through a real server against the bare diffusers call + bare encode.

Studio: POST /generate/advanced -> `complete` on /events, through `milimo serve` with the tiny random
LTX-2 of tests/engines/real/tiny.py saved as a download would land (<data>/models/<id>/), at
121 frames 768x512, enhancement off, model warm (one job first). Bare: in this process, the same
folders loaded with LTX2Pipeline.from_pretrained (+ the Gemma text encoder), the same call
(frames, size, steps, guidance off, max_sequence_length, seed), frames to uint8, then
milimo.media.encode_video with the audio. Runs alternate (studio, bare, ...) so load on the
machine hits both alike; the ratio is the median of the pairs' ratios. CPU seconds (the server
process's, this process's for the bare runs) are recorded too: on a shared 2-core machine they
move much less than wall time. Target: studio / bare <= 1.05 (issue 4).

`python -m bench ltx2_overhead` (MILIMO_BENCH_RUNS, MILIMO_BENCH_STEPS to change the defaults).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._common import median, record

FRAMES, WIDTH, HEIGHT, FPS, SEED = 121, 768, 512, 24.0, 11
STEPS = int(os.environ.get("MILIMO_BENCH_STEPS", "2"))
RUNS = int(os.environ.get("MILIMO_BENCH_RUNS", "5"))
PROMPT = "a robot dancing in the rain"


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "milimo.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env={**os.environ, "MILIMO_LOG_LEVEL": "warning", "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def cpu_s(pid: int | None = None) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def studio_job(http: httpx.Client, sse, pid: str, server_pid: int) -> dict:
    """Wall time submit -> complete, the server's CPU seconds, and the phases from the events' server timestamps."""
    shot = {
        "prompt": PROMPT,
        "num_frames": FRAMES,
        "width": WIDTH,
        "height": HEIGHT,
        "fps": FPS,
        "seed": SEED,
        "num_inference_steps": STEPS,
        "cfg_scale": 1.0,
        "enhance_prompt": False,
    }
    cpu0, t0 = cpu_s(server_pid), time.time()
    r = http.post("/generate/advanced", json={"project_id": pid, "shot_config": shot})
    job_id = r.json()["job_id"]
    done = sse.wait_for(lambda e: e.data.get("job_id") == job_id and e.type in ("complete", "error"), timeout=600)
    wall, cpu = time.time() - t0, cpu_s(server_pid) - cpu0
    if done.type != "complete":
        raise RuntimeError(done.data)
    events = sse.for_job(job_id)

    def first(prefix: str) -> float:
        return next(e.data["ts"] for e in events if e.data.get("message", "").startswith(prefix))

    def last(prefix: str) -> float:
        return [e.data["ts"] for e in events if e.data.get("message", "").startswith(prefix)][-1]

    start, generating, encoding = first("Loading models"), first("Starting generation"), first("Encoding")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "submit_to_start_s": start - t0,  # HTTP, job row, wake a slot, claim
        "start_to_generate_s": generating - start,  # engine selection, ModelManager (warm: no load)
        "generate_s": last("Generating") - generating,  # the pipeline call, denoising through the last step
        "decode_to_encode_s": encoding - last("Generating"),  # VAE decode, audio, frames to uint8
        "encode_s": last("Encoding") - encoding,
        "finish_s": done.data["ts"] - last("Encoding"),  # thumbnail, probe, asset + job rows, event
        "deliver_s": t0 + wall - done.data["ts"],  # complete event -> this client
        "job_id": job_id,
    }


def bare_pipeline(models: Path):
    import torch
    from diffusers import LTX2Pipeline
    from transformers import AutoTokenizer, Gemma3ForConditionalGeneration

    gemma = models / "gemma3-12b"
    pipe = LTX2Pipeline.from_pretrained(
        models / "ltx2-dev",
        dtype=torch.float32,
        text_encoder=Gemma3ForConditionalGeneration.from_pretrained(gemma, dtype=torch.float32),
        tokenizer=AutoTokenizer.from_pretrained(gemma),
    )
    pipe.set_progress_bar_config(disable=True)
    pipe.vae.enable_tiling()  # as the engine does by default
    return pipe.to("cpu")


def bare_run(pipe, out: Path) -> dict:
    import numpy as np
    import torch

    from milimo.engines.protocols import AudioTrack
    from milimo.media import encode_video

    cpu0, t0 = cpu_s(), time.perf_counter()
    result = pipe(
        prompt=PROMPT,
        negative_prompt=None,
        num_frames=FRAMES,
        frame_rate=FPS,
        width=WIDTH,
        height=HEIGHT,
        num_inference_steps=STEPS,
        guidance_scale=1.0,
        audio_guidance_scale=1.0,
        stg_scale=0.0,
        audio_stg_scale=0.0,
        modality_scale=1.0,
        audio_modality_scale=1.0,
        use_cross_timestep=False,
        max_sequence_length=1024,
        generator=torch.Generator("cpu").manual_seed(SEED),
        output_type="pt",
    )
    t1 = time.perf_counter()
    frames = (result.frames[0].float().clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    rate = int(pipe.vocoder.config.output_sampling_rate)
    audio = AudioTrack(np.clip(result.audio[0].float().cpu().numpy().astype(np.float32), -1, 1), rate)
    t2 = time.perf_counter()
    encode_video(frames, out, fps=FPS, width=WIDTH, height=HEIGHT, audio=audio)
    t3 = time.perf_counter()
    return {"wall_s": t3 - t0, "cpu_s": cpu_s() - cpu0, "pipeline_s": t1 - t0, "to_uint8_s": t2 - t1, "encode_s": t3 - t2}


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.engines.real.tiny import build_all
    from tests.sse import SSEClient

    with tempfile.TemporaryDirectory(prefix="milimo-bench-ltx2-") as tmp:
        data = Path(tmp) / "data"
        build_all(data / "models", Path(tmp) / "work")
        proc, url = start_server(data)
        try:
            with httpx.Client(base_url=url, timeout=60) as http:
                assert http.get("/engines").json()["engines"]["video"]["engine"] == "ltx2"
                pid = http.post("/projects", json={"name": "Bench"}).json()["id"]
                sse = SSEClient(url)
                t = time.perf_counter()
                cold = studio_job(http, sse, pid, proc.pid)
                t_load_bare = time.perf_counter()
                pipe = bare_pipeline(data / "models")
                bare_load_s = time.perf_counter() - t_load_bare
                bare_run(pipe, Path(tmp) / "warm.mp4")  # warm-up, as the studio's first job was
                studio, bare = [], []
                for i in range(RUNS):
                    studio.append(studio_job(http, sse, pid, proc.pid))
                    bare.append(bare_run(pipe, Path(tmp) / f"bare{i}.mp4"))
                sse.close()
        finally:
            proc.terminate()
            proc.wait(30)
    s_wall, b_wall = median([r["wall_s"] for r in studio]), median([r["wall_s"] for r in bare])
    pair_ratio = median([s["wall_s"] / b["wall_s"] for s, b in zip(studio, bare)])
    cpu_ratio = median([s["cpu_s"] / b["cpu_s"] for s, b in zip(studio, bare)])
    phases = {k: round(median([r[k] for r in studio]), 3) for k in studio[0] if k.endswith("_s")}
    bare_phases = {k: round(median([r[k] for r in bare]), 3) for k in bare[0]}
    record(
        "ltx2_overhead",
        {
            "frames": FRAMES,
            "size": f"{WIDTH}x{HEIGHT}",
            "steps": STEPS,
            "runs": RUNS,
            "studio_s": round(s_wall, 3),
            "bare_s": round(b_wall, 3),
            "ratio": round(pair_ratio, 4),
            "target": 1.05,
            "ratio_of_medians": round(s_wall / b_wall, 4),
            "cpu_ratio": round(cpu_ratio, 4),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "studio_runs_s": [round(r["wall_s"], 3) for r in studio],
            "bare_runs_s": [round(r["wall_s"], 3) for r in bare],
            "studio_phases_s": phases,
            "bare_phases_s": bare_phases,
            "first_job_s": round(cold["wall_s"], 3),
            "first_job_load_s": round(cold["start_to_generate_s"], 3),
            "bare_load_s": round(bare_load_s, 3),
            "setup_s": round(time.perf_counter() - t, 1),
        },
    )


if __name__ == "__main__":
    main()
