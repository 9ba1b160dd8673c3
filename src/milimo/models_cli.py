"""`milimo models list | download NAME`: the model library from a terminal, without a running studio.

Weights go where the studio looks for them: `<data_dir>/models/<id>/`. A download runs in a
worker thread so Ctrl-C can cancel it cleanly (every download thread stops at its next chunk);
running the same command again resumes it.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from milimo.config import Settings
from milimo.engines import library
from milimo.engines.library import MANIFEST, DownloadCancelled, DownloadProgress
from milimo.errors import StudioError


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n:.1f} TB"


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


def list_models(data_dir: Path | None, out=sys.stdout) -> int:
    settings = _settings(data_dir)
    models_dir = settings.models_dir
    rows = [("ID", "STATUS", "SIZE", "ON DISK", "ENGINE", "LICENCE", "GATED")]
    for e in MANIFEST:
        st = library.model_status(models_dir, e)
        status = st.state + (" (partial)" if st.partial and st.state == "not_downloaded" else "")
        status += " [hf cache]" if st.source == "hf_cache" else ""
        rows.append(
            (
                e.id,
                status,
                "~" + _size(e.expected_bytes),
                _size(st.bytes_on_disk) if st.bytes_on_disk else "-",
                e.engine,
                e.license,
                "yes" if e.gated else "no",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip(), file=out)
    print(f"\nmodels folder: {models_dir}", file=out)
    return 0


def _bar(p: DownloadProgress, speed: float) -> str:
    """One status line; speed counts the bytes of this run (resumed files are not "fast")."""
    frac = p.fraction
    filled = int(frac * 30)
    eta = f" eta {max(0, p.bytes_total - p.bytes_done) / speed:5.0f}s" if speed > 0 else ""
    return (
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac * 100:5.1f}% {_size(p.bytes_done)} / {_size(p.bytes_total)}"
        f" {_size(speed)}/s{eta}   "
    )


def download(name: str, data_dir: Path | None, quiet: bool = False) -> int:
    """Download one manifest entry with a progress bar on stderr. 0 done, 1 failed, 2 bad name, 130 cancelled."""
    from milimo.studio.library import check_disk

    try:
        e = library.entry(name)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    settings = _settings(data_dir)
    models_dir = settings.models_dir
    models_dir.mkdir(parents=True, exist_ok=True)
    st = library.model_status(models_dir, e)
    if st.state == "downloaded":
        print(f"{e.id} is already downloaded: {st.path}")
        return 0
    if st.state == "downloading":
        print(f"error: {e.id} is being downloaded by another process", file=sys.stderr)
        return 1
    try:
        check_disk(models_dir, e, st.bytes_on_disk)
    except StudioError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    if e.gated:
        print(f"{e.id} is gated: accept its licence ({e.license}) on its Hugging Face page and set HF_TOKEN", file=sys.stderr)

    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()  # ours is the only bar
    cancel, finished = threading.Event(), threading.Event()
    latest: list[DownloadProgress] = []
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["path"] = library.download_model(models_dir, e, on_progress=latest.append, cancel=cancel)
        except BaseException as exc:  # reported by the main thread
            outcome["error"] = exc
        finally:
            finished.set()

    # The main thread waits on an Event, not Thread.join: a join interrupted by Ctrl-C can return early later.
    threading.Thread(target=work, name=f"download-{e.id}", daemon=True).start()
    started = time.monotonic()
    shown, first = 0, None  # first: (time, bytes) of the first report, so resumed bytes do not count as speed
    try:
        while not finished.wait(0.2):
            if quiet or len(latest) == shown:
                continue
            shown, p, now = len(latest), latest[-1], time.monotonic()
            first = first or (now, p.bytes_done)
            speed = (p.bytes_done - first[1]) / (now - first[0]) if now > first[0] else 0.0
            print(_bar(p, speed), end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        cancel.set()
        print("\ncancelling...", file=sys.stderr, flush=True)
        try:
            finished.wait(60)
        except KeyboardInterrupt:
            pass
    if not quiet and len(latest) > shown and not cancel.is_set():  # the final 100 % report
        p = latest[-1]
        print(
            _bar(p, (p.bytes_done - first[1]) / max(1e-6, time.monotonic() - first[0]) if first else p.speed_bps),
            end="",
            file=sys.stderr,
        )
        shown = len(latest)
    if not quiet and shown:
        print(file=sys.stderr)
    error = outcome.get("error")
    if isinstance(error, DownloadCancelled) or (cancel.is_set() and error is not None):
        print(f"cancelled: the files so far are kept; `milimo models download {e.id}` resumes", file=sys.stderr)
        return 130
    if error is not None or "path" not in outcome:
        print(f"error: {error or 'the download did not stop in time'}", file=sys.stderr)
        return 1
    path = Path(str(outcome["path"]))
    size = library.model_status(models_dir, e).bytes_on_disk
    print(f"{e.id} downloaded to {path} ({_size(size)} in {time.monotonic() - started:.1f} s)")
    missing = [r for r in e.requires if library.model_status(models_dir, library.entry(r)).state != "downloaded"]
    if missing:
        print(f"{e.id} also needs {', '.join(missing)}: milimo models download {' '.join(missing)}")
    return 0
