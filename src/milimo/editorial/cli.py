"""`milimo export --project ID --format F -o FILE`: the same files as GET /projects/{id}/export."""

from __future__ import annotations

import sys
from pathlib import Path

from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.migrate import upgrade
from milimo.editorial.export import FORMATS, write_export
from milimo.editorial.source import load_edit_cut
from milimo.errors import StudioError


def export(project_id: str, key: str, output: Path, data_dir: Path | None) -> int:
    settings = Settings(data_dir=data_dir, log_level="warning") if data_dir else Settings(log_level="warning")
    if settings.database_url is None and not (settings.data_dir / "milimo.db").exists():
        print(f"error: no studio data in {settings.data_dir} (use --data-dir or MILIMO_DATA_DIR)", file=sys.stderr)
        return 2
    upgrade(settings.db_url)  # a no-op on an up-to-date database; never writes a project
    db = Database(settings.db_url)
    try:
        cut = load_edit_cut(db, settings, project_id)
        write_export(cut, key, output)
    except StudioError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"{output} ({FORMATS[key].label}, {len(cut.clips)} clips, {cut.duration} frames at {cut.fps:g} fps)")
    return 0
