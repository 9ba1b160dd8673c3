"""Editorial interchange on a 1,000-clip cut: each export format, and an import-cut that re-times every shot.

Anchors measured in the same run: OpenTimelineIO's own JSON writer on the same timeline (what
any export costs at least), and studio.projects.save_project applying the same 1,000 changes
directly (what import-cut costs at least: it ends in that save).
"""

from __future__ import annotations

import io
import tempfile
import time
import wave
from pathlib import Path

import opentimelineio as otio

from bench._common import median, record
from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.migrate import upgrade
from milimo.editorial.export import FORMATS, render_text, write_export
from milimo.editorial.importcut import import_cut
from milimo.editorial.source import load_edit_cut
from milimo.editorial.timeline import build_timeline
from milimo.studio import assets, projects
from milimo.studio.schemas import ProjectCreate, ProjectSave, ShotUpsert

CLIPS = 1000


def ms(fn, n: int = 5) -> float:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return median(out)


def tone() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000 * 20)
    return buf.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", log_level="warning")
        settings.ensure_dirs()
        upgrade(settings.db_url)
        db = Database(settings.db_url)
        pid = projects.create_project(db, settings, ProjectCreate(name="Bench cut"))["id"]
        asset = assets.upload_asset(db, settings, pid, "general", "tone.wav", io.BytesIO(tone()))
        shots = [
            ShotUpsert(
                id=f"s{i:04d}",
                track_index=i % 3,
                start_frame=i * 50,
                num_frames=60,
                trim_in=5,
                trim_out=5,
                prompt=f"Shot {i}: the keeper climbs",
                dialogue="Almost there." if i % 3 != 2 else "",
                media_asset_id=asset["id"],
            )
            for i in range(CLIPS)
        ]
        state = projects.save_project(db, pid, ProjectSave(base_version=1, shots=shots))
        cut = load_edit_cut(db, settings, pid)
        timeline = build_timeline(cut)
        anchor = ms(lambda: otio.adapters.write_to_string(timeline, "otio_json"))
        result = {"clips": CLIPS, "otio_json_anchor_ms": round(anchor, 1)}
        bundle = Path(tmp) / "bench.otioz"
        for key in FORMATS:
            if key == "otioz":
                t = ms(lambda: (bundle.unlink(missing_ok=True), write_export(cut, "otioz", bundle)), 3)
            else:
                t = ms(lambda k=key: render_text(cut, k), 3)
            result[f"{key}_ms"] = round(t, 1)
            result[f"{key}_ratio"] = round(t / anchor, 2)

        # Import: the editor trims every clip by one frame at its head.
        for clip in timeline.find_clips():
            r = clip.source_range
            clip.source_range = otio.opentime.TimeRange(
                r.start_time + otio.opentime.RationalTime(1, r.start_time.rate),
                r.duration - otio.opentime.RationalTime(1, r.duration.rate),
            )
        edited = otio.adapters.write_to_string(timeline, "otio_json").encode()
        t0 = time.perf_counter()
        report = import_cut(db, settings, pid, edited, state["version"])
        import_ms = (time.perf_counter() - t0) * 1000
        assert report.saved and len(report.changed) == CLIPS, (report.saved, len(report.changed))
        direct = [ShotUpsert(id=f"s{i:04d}", trim_in=7, trim_out=5) for i in range(CLIPS)]
        t0 = time.perf_counter()
        projects.save_project(db, pid, ProjectSave(base_version=report.project_version, shots=direct))
        save_ms = (time.perf_counter() - t0) * 1000
        result.update(import_ms=round(import_ms, 1), save_anchor_ms=round(save_ms, 1), import_ratio=round(import_ms / save_ms, 2))
        db.close()
    record("editorial", result)


if __name__ == "__main__":
    main()
