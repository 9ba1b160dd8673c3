"""Render: the master of a 20-clip cut ÷ one ffmpeg CLI filter_complex doing the same work (target ≤ 1.1),
smart render of whole clips ÷ the full render (target ≤ 0.1), and peak RSS flat in the film's length.

The cut (768x512, 24 fps, like LTX-2 takes): 20 V1 takes of 49 frames with grain and a moving
disc (real x264 work), each trimmed 4 in / 4 out, their sync-pip sound; 4 V2 overlays (two at
the project size, two 4:3 that are scaled to fit and placed over V1); 2 A1 tones at 44.1 kHz.
The anchor is imageio-ffmpeg's static ffmpeg given the same inputs and one filter_complex:
trim + concat for V1 (with its audio), trim + setpts + scale + overlay for V2, atrim + adelay +
amix for the sound, resampled to 48 kHz stereo, and the same libx264 crf 18 / medium, AAC
192 kb/s, +faststart output. Runs alternate between the sides; wall and CPU seconds.

Peak RSS: a fresh process renders a cut of 20 and of 60 four-second clips (80 s and 4 min);
`--long` adds the 10-minute, 150-clip render (about 14,400 frames: several minutes on 2 cores).

    python -m bench.bench_render [--long] [--no-rss]
    python -m bench.bench_render --rss N      (internal) render N clips, print peak RSS in MB
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from bench._common import median, record
from milimo.engines.draft.sync import SAMPLE_RATE, sync_pips
from milimo.engines.protocols import AudioTrack
from milimo.media import encode_video, probe
from milimo.render import RenderOptions, render_cut
from milimo.render.conform import fit
from milimo.render.cut import TRACK_NAMES, Cut, CutClip, CutMedia, Track

W, H, FPS, CRF, PRESET = 768, 512, 24, 18, "medium"
TAKE_FRAMES, TRIM = 49, 4
V1_CLIPS, RUNS = 20, 3
TARGET_RATIO, TARGET_SMART, TARGET_RSS_MB = 1.1, 0.1, 300


def take_frames(n: int, w: int, h: int, phase: float):
    """Gradients drifting, a disc orbiting, ±6 grain: pictures x264 has to work on."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(int(phase * 1000))
    for i in range(n):
        t = phase + i / FPS
        img = np.stack(
            [127 + 120 * np.sin(xx / 60 + 2 * t), 127 + 120 * np.sin(yy / 45 - 1.5 * t), 127 + 120 * np.sin((xx + yy) / 80 + t)],
            axis=-1,
        )
        cx, cy = w / 2 + w / 4 * np.cos(t), h / 2 + h / 4 * np.sin(1.3 * t)
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < (h / 8) ** 2] = 255
        img += rng.integers(-6, 7, size=img.shape, dtype=np.int16)
        yield np.clip(img, 0, 255).astype(np.uint8)


def make_take(path: Path, n: int, w: int, h: int, phase: float) -> Path:
    if not path.exists():
        audio = AudioTrack(sync_pips(0, n, FPS), SAMPLE_RATE)
        encode_video(take_frames(n, w, h, phase), path, fps=FPS, width=w, height=h, audio=audio)
    return path


def make_tone(path: Path, seconds: float, hz: float) -> Path:
    import av

    rate = 44_100
    t = np.arange(round(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)[None, :]
    with av.open(str(path), "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=rate)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        frame.sample_rate = rate
        c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return path


def media(path: Path) -> CutMedia:
    i = probe(path)
    return CutMedia(
        None,
        path,
        path.name,
        "",
        i.kind,
        i.num_frames,
        i.fps,
        i.width,
        i.height,
        i.has_audio,
        i.duration,
        i.video_codec,
        i.sample_rate,
        i.channels,
    )


def clip(n: int, track: str, path: Path, start: int, length: int, trim_in: int) -> CutClip:
    m = media(path)
    trim_out = max(0, m.num_frames - trim_in - length) if m.kind == "video" else 0
    return CutClip(f"c{n}", f"Sh {n}", track, start, length, trim_in, trim_out, trim_in + length + trim_out, media=m)


def cut_of(v1: list[CutClip], v2=(), a1=()) -> Cut:
    tracks = (Track("V1", 0, tuple(v1)), Track("V2", 1, tuple(v2)), Track("A1", 2, tuple(a1)))
    assert [t.name for t in tracks] == list(TRACK_NAMES)
    return Cut("bench", "bench", Fraction(FPS), W, H, tracks)


def build(folder: Path) -> tuple[Cut, Cut, list[Path]]:
    """The benchmark cut (trimmed, V2, A1) and the V1-only cut of whole clips, from the same takes."""
    takes = [make_take(folder / f"take{i:02d}.mp4", TAKE_FRAMES, W, H, i * 0.7) for i in range(V1_CLIPS)]
    small = [make_take(folder / f"small{i}.mp4", TAKE_FRAMES, 512, 384, 10 + i) for i in range(2)]
    tones = [make_tone(folder / f"tone{i}.wav", 8.0, 330 + 110 * i) for i in range(2)]
    length = TAKE_FRAMES - 2 * TRIM
    v1 = [clip(i, "V1", p, i * length, length, TRIM) for i, p in enumerate(takes)]
    v2 = [
        clip(100, "V2", takes[3], 30, 24, 10),
        clip(101, "V2", small[0], 200, 40, 0),
        clip(102, "V2", takes[7], 400, 30, 5),
        clip(103, "V2", small[1], 600, 36, 8),
    ]
    a1 = [clip(200, "A1", tones[0], 50, 120, 0), clip(201, "A1", tones[1], 500, 150, 24)]
    whole = [clip(i, "V1", p, i * TAKE_FRAMES, TAKE_FRAMES, 0) for i, p in enumerate(takes)]
    return cut_of(v1, v2, a1), cut_of(whole), takes


def cli_command(cut: Cut, out: Path) -> list[str]:
    """One ffmpeg run doing what render_cut does for this cut (no smart render)."""
    inputs, graph, mixed = [], [], []
    v1, v2, a1 = cut.tracks
    for i, c in enumerate(v1.clips):
        inputs += ["-i", str(c.media.path)]
        s0, s1 = _samples(c.trim_in), _samples(c.trim_in + c.length)
        graph.append(f"[{i}:v]trim=start_frame={c.trim_in}:end_frame={c.trim_in + c.length},setpts=PTS-STARTPTS[v{i}]")
        graph.append(f"[{i}:a]atrim=start_sample={s0}:end_sample={s1},asetpts=PTS-STARTPTS[a{i}]")
    graph.append("".join(f"[v{i}][a{i}]" for i in range(len(v1.clips))) + f"concat=n={len(v1.clips)}:v=1:a=1[base0][abase]")
    mixed.append("[abase]")
    last = "base0"
    for j, c in enumerate(v2.clips):
        k = len(inputs) // 2
        inputs += ["-i", str(c.media.path)]
        f = fit(c.media.width, c.media.height, W, H)
        scale = f",scale={f.width}:{f.height}:flags=bicubic" if (f.width, f.height) != (c.media.width, c.media.height) else ""
        t0 = c.start_frame / FPS
        graph.append(
            f"[{k}:v]trim=start_frame={c.trim_in}:end_frame={c.trim_in + c.length},setpts=PTS-STARTPTS+{t0}/TB{scale}[o{j}]"
        )
        # enable=: with eof_action=pass alone, overlay drops the overlay's last frame
        graph.append(
            f"[{last}][o{j}]overlay=x={f.x}:y={f.y}:eof_action=repeat:"
            f"enable='between(n,{c.start_frame},{c.end_frame - 1})'[base{j + 1}]"
        )
        last = f"base{j + 1}"
        graph.append(
            f"[{k}:a]atrim=start_sample={_samples(c.trim_in)}:end_sample={_samples(c.trim_in + c.length)},"
            f"asetpts=PTS-STARTPTS,adelay={round(t0 * 1000)}:all=1[x{j}]"
        )
        mixed.append(f"[x{j}]")
    for j, c in enumerate(a1.clips):
        k = len(inputs) // 2
        inputs += ["-i", str(c.media.path)]
        t0, t_in = c.start_frame / FPS, c.trim_in / FPS
        graph.append(
            f"[{k}:a]atrim=start={t_in}:duration={c.length / FPS},asetpts=PTS-STARTPTS,"
            f"aresample=48000,adelay={round(t0 * 1000)}:all=1[t{j}]"
        )
        mixed.append(f"[t{j}]")
    total = _samples(cut.duration_frames)
    graph.append(
        "".join(mixed) + f"amix=inputs={len(mixed)}:normalize=0:duration=first,"
        f"aformat=sample_fmts=fltp:channel_layouts=stereo,aresample=48000,apad,atrim=end_sample={total}[aout]"
    )
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        ";".join(graph),
        "-map",
        f"[{last}]",
        "-map",
        "[aout]",
        "-c:v",
        "libx264",
        "-preset",
        PRESET,
        "-crf",
        str(CRF),
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        "-movflags",
        "+faststart",
        str(out),
    ]


def _samples(frames: int) -> int:
    return int(Fraction(frames) * 48_000 / FPS + Fraction(1, 2))


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> tuple[float, float]:
    c0, t0 = cpu_seconds(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, cpu_seconds() - c0


def compare(cut: Cut, whole: Cut, folder: Path) -> dict:
    cli = cli_command(cut, folder / "cli.mp4")
    sides = {
        "ours": lambda: render_cut(cut, folder / "ours.mp4", options=RenderOptions(smart=False)),
        "cli": lambda: subprocess.run(cli, check=True),
    }
    wall: dict[str, list[float]] = {k: [] for k in sides}
    cpu: dict[str, list[float]] = {k: [] for k in sides}
    for r in range(RUNS):
        for name in list(sides) if r % 2 == 0 else list(reversed(sides)):
            w, c = timed(sides[name])
            wall[name].append(w)
            cpu[name].append(c)
    frames = {k: probe(folder / f"{k}.mp4").num_frames for k in sides}
    row = {"runs": RUNS, "frames": cut.duration_frames, "frames_out": frames}
    for k in sides:
        row[f"{k}_s"], row[f"{k}_min_s"], row[f"{k}_cpu_s"] = (
            round(median(wall[k]), 3),
            round(min(wall[k]), 3),
            round(median(cpu[k]), 3),
        )
    row["ratio"] = round(median(wall["ours"]) / median(wall["cli"]), 3)
    row["ratio_min"] = round(min(wall["ours"]) / min(wall["cli"]), 3)
    row["ratio_cpu"] = round(median(cpu["ours"]) / median(cpu["cli"]), 3)

    smart, full = [], []
    for _ in range(2):
        full.append(timed(lambda: render_cut(whole, folder / "full.mp4", options=RenderOptions(smart=False)))[0])
        result = None

        def run_smart():
            nonlocal result
            result = render_cut(whole, folder / "smart.mp4", options=RenderOptions(smart=True))

        smart.append(timed(run_smart)[0])
    row["smart"] = {
        "frames": whole.duration_frames,
        "copied_frames": result.copied_frames,
        "smart_s": round(median(smart), 3),
        "full_s": round(median(full), 3),
        "ratio": round(median(smart) / median(full), 3),
    }
    return row


def rss_cut(clips: int, folder: Path) -> Cut:
    takes = [make_take(folder / f"long{i:02d}.mp4", 97, W, H, 20 + i) for i in range(20)]
    tone = make_tone(folder / "long_tone.wav", 30.0, 220)
    length = 96  # four seconds each, trimmed by one frame
    v1 = [clip(i, "V1", takes[i % len(takes)], i * length, length, 1) for i in range(clips)]
    v2 = [clip(1000 + i, "V2", takes[(i + 3) % len(takes)], i * length * 5 + 20, 48, 0) for i in range(clips // 5)]
    a1 = [clip(2000 + i, "A1", tone, i * length * 10, 24 * 20, 0) for i in range(clips // 10)]
    return cut_of(v1, v2, a1)


def high_water_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_child(clips: int, folder: Path) -> None:
    cut = rss_cut(clips, folder)  # takes are made by the parent first; this only probes them
    base = high_water_rss_mb()
    t0 = time.perf_counter()
    render_cut(cut, folder / f"rss{clips}.mp4", options=RenderOptions(smart=False))
    print(f"{base:.1f} {high_water_rss_mb():.1f} {cut.duration_frames} {time.perf_counter() - t0:.1f}")


def peak_rss(clips: int, folder: Path) -> dict:
    out = subprocess.check_output([sys.executable, "-m", "bench.bench_render", "--rss", str(clips), str(folder)], text=True)
    base, peak, frames, seconds = out.split()
    return {
        "clips": clips,
        "frames": int(frames),
        "after_imports_mb": float(base),
        "peak_mb": float(peak),
        "seconds": float(seconds),
    }


def main(long: bool, rss: bool = True) -> None:
    result: dict = {"size": f"{W}x{H}", "fps": FPS, "crf": CRF, "preset": PRESET, "v1_clips": V1_CLIPS}
    result["load_avg_1min_before"] = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cut, whole, _ = build(folder)
        result["compare"] = row = compare(cut, whole, folder)
        print(
            f"render {row['frames']} frames: ours {row['ours_s']:.2f} s, ffmpeg CLI filter_complex {row['cli_s']:.2f} s; "
            f"ratio {row['ratio']:.3f} (target <= {TARGET_RATIO}; best runs {row['ratio_min']:.3f}, CPU {row['ratio_cpu']:.3f})"
        )
        s = row["smart"]
        print(
            f"smart render of {s['frames']} whole-clip frames ({s['copied_frames']} copied): {s['smart_s']:.2f} s vs "
            f"full {s['full_s']:.2f} s; ratio {s['ratio']:.3f} (target <= {TARGET_SMART})",
            flush=True,
        )
        if rss:
            rss_cut(150, folder)  # make the takes once, outside the measured children
        result["rss"] = [peak_rss(n, folder) for n in ((20, 60, 150) if long else (20, 60))] if rss else []
        for r in result["rss"]:
            print(
                f"peak RSS, {r['clips']} clips ({r['frames']} frames, {r['seconds']:.0f} s): {r['peak_mb']:.0f} MB "
                f"(after imports {r['after_imports_mb']:.0f} MB; target <= {TARGET_RSS_MB})"
            )
    result["targets"] = {"ratio": TARGET_RATIO, "smart_ratio": TARGET_SMART, "peak_rss_mb": TARGET_RSS_MB}
    record("render", result)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--rss":
        rss_child(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        main("--long" in sys.argv[1:], rss="--no-rss" not in sys.argv[1:])
