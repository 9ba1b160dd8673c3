"""`milimo doctor`: what this machine has, which models are downloaded, what fits where, what to download next.

Read-only: it looks at torch's view of the accelerators, /proc (RAM), the disk of the data dir and
the model library; it downloads nothing and loads no weights.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
from pathlib import Path
from typing import Any

from milimo.engines.library import MANIFEST, ModelEntry, model_status, usable_bases
from milimo.engines.memory import MODES, RELEASED, GiB, ModelSize, decode_bytes, peak_bytes, plan_memory, working_set


def _ram() -> dict[str, int]:
    info: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable"):
                info[key] = int(value.split()[0]) * 1024
    except OSError:  # not Linux: total from sysconf where it exists
        pages = os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
        info["MemTotal"] = pages * os.sysconf("SC_PAGE_SIZE") if pages else 0
    return {"total_bytes": info.get("MemTotal", 0), "available_bytes": info.get("MemAvailable", info.get("MemTotal", 0))}


def accelerators() -> dict[str, Any]:
    """torch's view: CUDA GPUs with free VRAM, compute capability, bf16/fp8; MPS; or why there is none."""
    out: dict[str, Any] = {"torch": None, "cuda": False, "cuda_version": None, "mps": False, "gpus": []}
    if importlib.util.find_spec("torch") is None:
        out["note"] = "torch is not installed: the studio runs the CPU draft engines (pip install -e '.[models]')"
        return out
    import torch

    out["torch"] = torch.__version__
    out["cuda_version"] = torch.version.cuda
    out["mps"] = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if torch.cuda.is_available():
        out["cuda"] = True
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            free, total = torch.cuda.mem_get_info(i)
            cap = torch.cuda.get_device_capability(i)
            out["gpus"].append(
                {
                    "index": i,
                    "name": props.name,
                    "total_bytes": int(total),
                    "free_bytes": int(free),
                    "compute_capability": f"{cap[0]}.{cap[1]}",
                    "bf16": bool(torch.cuda.is_bf16_supported()),
                    "fp8": cap >= (8, 9),
                }
            )
    return out


def _size(models_dir: Path, e: ModelEntry, downloaded: dict[str, Path]) -> tuple[ModelSize, str]:
    if e.id in downloaded:
        te = downloaded.get(e.requires[0]) if e.requires else None
        size = ModelSize.from_folder(downloaded[e.id], te)
        if size.transformer:
            return size, "on disk"
    return RELEASED[e.version or "2.0"], "released size"


def _need(mode: str, size: ModelSize, fp8: bool) -> float:
    work, decode = working_set(size, 768, 512, 121), decode_bytes(768, 512, 121, tiling=mode != "gpu")
    return round(peak_bytes(mode, size, fp8=fp8, work=work, decode=decode) / 0.9 / GiB, 1)


def fits(models_dir: Path, gpus: list[dict[str, Any]], downloaded: dict[str, Path]) -> list[dict[str, Any]]:
    """For every LTX-2 base model and GPU: the planned mode, its expected peak, and every mode's fit."""
    rows = []
    usable = {e.id for e, _ in usable_bases(models_dir, "ltx2")}
    for e in MANIFEST:
        if e.engine != "ltx2" or e.role != "base":
            continue
        size, source = _size(models_dir, e, downloaded)
        row: dict[str, Any] = {
            "model_id": e.id,
            "version": e.version,
            "downloaded": e.id in downloaded,
            "usable": e.id in usable,  # downloaded with what it requires (the text encoder)
            "size_source": source,
            "weights_gib": round(size.total / GiB, 1),
            "gpus": [],
            # the VRAM each mode needs for 768×512×121 (fp8 where the GPU has it), any machine
            "vram_needed_gib": {m: {"bf16": _need(m, size, False), "fp8": _need(m, size, True)} for m in MODES},
        }
        for gpu in gpus:
            plan = plan_memory(gpu["free_bytes"], size, fp8_capable=gpu["fp8"])
            modes = {
                m: any(c["fits"] for c in plan_memory(gpu["free_bytes"], size, fp8_capable=gpu["fp8"], override=m).considered)
                for m in MODES
            }
            row["gpus"].append(
                {
                    "index": gpu["index"],
                    "mode": plan.mode,
                    "fp8": plan.fp8,
                    "vae_tiling": plan.vae_tiling,
                    "peak_gib": round(plan.peak_bytes / GiB, 1),
                    "fits": modes,
                }
            )
        rows.append(row)
    return rows


def advice(report: dict[str, Any]) -> list[str]:
    """What to do next, most useful first."""
    tips: list[str] = []
    acc, models = report["accelerators"], {m["id"]: m for m in report["models"]}
    gpus = acc["gpus"]
    if not gpus:
        tips.append(
            "No CUDA GPU: video and image generation use the CPU draft engines"
            + (" (Apple MPS is there: real engines run on it, slowly)" if acc["mps"] else "")
            + "; a real LTX-2 model needs a CUDA GPU (16 GB or more)."
        )
    complete = [r for r in report["fits"] if r["usable"]]
    free_disk = report["disk"]["free_bytes"]
    if not complete and not gpus:
        tips.append(
            "Nothing to download for video here: without a GPU the real models would not run (see "
            "vram_needed_gib for the card each memory mode needs)."
        )
    elif not complete:
        candidates = [r for r in report["fits"] if not r["downloaded"]]
        if gpus:
            candidates = [r for r in candidates if r["gpus"] and r["gpus"][0]["mode"] != "sequential_offload"]
        for r in candidates:
            e = next(m for m in MANIFEST if m.id == r["model_id"])
            need = [*([] if r["downloaded"] else [e.id]), *[q for q in e.requires if models[q]["status"] != "downloaded"]]
            size = sum(next(m for m in MANIFEST if m.id == q).expected_bytes for q in need)
            where = f", runs as {r['gpus'][0]['mode']} on GPU 0" if gpus and r["gpus"] else ""
            room = "" if size * 1.1 <= free_disk else f" (needs {size / 1e9:.0f} GB, {free_disk / 1e9:.0f} GB free)"
            gate = " (gated: accept the licence on Hugging Face and set HF_TOKEN)" if e.gated else ""
            tips.append(
                f"Download next: {' + '.join(need)} ≈ {size / 1e9:.0f} GB{where}{gate}{room}: "
                f"`milimo models download {e.id}`" + "".join(f" and `milimo models download {q}`" for q in need[1:])
            )
            break
    else:
        best = complete[0]
        version = best["version"]
        ups = [m for m in MANIFEST if m.role == "upsampler" and m.version == version]
        if ups and models[ups[0].id]["status"] != "downloaded":
            tips.append(f"{best['model_id']} is ready; for two-stage upscaling add `milimo models download {ups[0].id}`.")
        else:
            tips.append(f"{best['model_id']} is ready" + (f" ({best['gpus'][0]['mode']} on GPU 0)" if best["gpus"] else "") + ".")
    if models.get("gemma3-12b", {}).get("status") != "downloaded":
        tips.append("Prompt enhancement in-process needs gemma3-12b (the LTX-2.0/2.3 text encoder), or run Ollama.")
    return tips


def report(data_dir: Path) -> dict[str, Any]:
    models_dir = Path(data_dir) / "models"
    statuses = [model_status(models_dir, e) for e in MANIFEST]
    downloaded = {s.model_id: s.path for s in statuses if s.state == "downloaded" and s.path is not None}
    acc = accelerators()
    disk_root = next((p for p in (models_dir, Path(data_dir), Path(data_dir).parent, Path.cwd()) if p.exists()), Path("/"))
    usage = shutil.disk_usage(disk_root)
    out: dict[str, Any] = {
        "platform": {
            "system": platform.system(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "cpus": os.cpu_count() or 0,
        },
        "accelerators": acc,
        "ram": _ram(),
        "disk": {"path": str(disk_root), "free_bytes": int(usage.free), "total_bytes": int(usage.total)},
        "models_dir": str(models_dir),
        "models": [
            {
                "id": s.model_id,
                "status": s.state,
                "bytes_on_disk": s.bytes_on_disk,
                "engine": next(e.engine for e in MANIFEST if e.id == s.model_id),
            }
            for s in statuses
        ],
        "fits": fits(models_dir, acc["gpus"], downloaded),
    }
    out["advice"] = advice(out)
    return out


def _gb(n: int) -> str:
    return f"{n / GiB:.1f} GiB"


def render(r: dict[str, Any]) -> str:
    acc = r["accelerators"]
    lines = [
        f"machine   {r['platform']['system']} {r['platform']['machine']}, {r['platform']['cpus']} CPUs, "
        f"python {r['platform']['python']}, torch {acc['torch'] or 'not installed'}"
    ]
    lines.append(f"RAM       {_gb(r['ram']['available_bytes'])} free of {_gb(r['ram']['total_bytes'])}")
    lines.append(f"disk      {_gb(r['disk']['free_bytes'])} free at {r['disk']['path']}")
    lines.append(
        f"CUDA      {'yes, CUDA ' + str(acc['cuda_version']) if acc['cuda'] else 'no'}; MPS {'yes' if acc['mps'] else 'no'}"
    )
    for g in acc["gpus"]:
        lines.append(
            f"GPU {g['index']}     {g['name']}: {_gb(g['free_bytes'])} free of {_gb(g['total_bytes'])}, "
            f"compute {g['compute_capability']}, fp8 {'yes' if g['fp8'] else 'no'}"
        )
    lines.append("")
    lines.append(f"models in {r['models_dir']}:")
    for m in r["models"]:
        lines.append(f"  {m['id']:<24} {m['status']:<15} {_gb(m['bytes_on_disk']) if m['bytes_on_disk'] else ''}")
    lines.append("")
    lines.append("LTX-2 memory plans" + ("" if acc["gpus"] else " (no GPU: shown per model only)") + ":")
    for row in r["fits"]:
        head = f"  {row['model_id']:<18} {row['weights_gib']:>6.1f} GiB ({row['size_source']})"
        if not row["gpus"]:
            need = row["vram_needed_gib"]
            lines.append(
                f"{head}  needs: " + ", ".join(f"{m} {need[m]['bf16']:g}/{need[m]['fp8']:g}" for m in MODES) + " GiB (bf16/fp8)"
            )
        for g in row["gpus"]:
            ok = ", ".join(m for m, fit in g["fits"].items() if fit) or "none"
            lines.append(
                f"{head}  GPU {g['index']}: {g['mode']}{' + fp8' if g['fp8'] else ''}, peak ≈ {g['peak_gib']} GiB; fits: {ok}"
            )
    lines.append("")
    lines.extend(f"- {tip}" for tip in r["advice"])
    return "\n".join(lines)


def main(data_dir: Path | None, as_json: bool) -> int:
    from milimo.config import Settings

    overrides: dict[str, Any] = {"data_dir": data_dir} if data_dir else {}
    settings = Settings(**overrides)
    r = report(settings.data_dir)
    print(json.dumps(r, indent=2) if as_json else render(r))
    return 0
