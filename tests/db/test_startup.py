"""Startup (seed §5): migrations, SQLite pragmas, zombie recovery, restart keeps everything."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from milimo.app import create_app
from milimo.db.database import Database
from milimo.db.migrate import alembic_config
from milimo.db.models import Job, Shot
from tests.state import state_shots


def test_sqlite_runs_in_wal_mode_with_foreign_keys(client, settings):
    db = Database(settings.db_url)
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.close()


def test_migrations_match_the_models(client, settings):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    db = Database(settings.db_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    db.close()
    assert diff == [], f"models changed without a migration: {diff}"
    assert alembic_config(settings.db_url).get_main_option("script_location").endswith("migrations")


def test_zombie_jobs_are_failed_at_startup(settings):
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "Z"}).json()["id"]
        client.put(f"/projects/{pid}/save", json={"base_version": 1, "shots": [{"id": "s1"}, {"id": "s2"}]})
    db = Database(settings.db_url)

    def crash(session):
        session.add(Job(id="job_zombie", project_id=pid, shot_id="s1", type="video", status="processing", progress=40))
        session.add(Job(id="job_done", project_id=pid, type="video", status="completed", progress=100))
        s1, s2 = session.get(Shot, "s1"), session.get(Shot, "s2")
        s1.status, s1.last_job_id = "generating", "job_zombie"
        s2.status, s2.last_job_id, s2.video_url = "generating", "job_zombie", f"/projects/{pid}/generated/old.mp4"

    db.write(crash)
    db.close()
    with TestClient(create_app(settings)) as client:
        db = Database(settings.db_url)
        with db.read() as session:
            zombie, done = session.get(Job, "job_zombie"), session.get(Job, "job_done")
            assert zombie.status == "failed" and "restarted" in zombie.error
            assert done.status == "completed"
        db.close()
        shots = {s["id"]: s for s in state_shots(client.get(f"/projects/{pid}").json())}
        assert shots["s1"]["status"] == "failed"
        assert shots["s2"]["status"] == "completed"  # it keeps its previous take


def test_real_server_process_keeps_everything_across_a_restart(server_factory, tmp_path):
    data = tmp_path / "studio"
    server = server_factory(data)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        state = http.post("/projects", json={"name": "Restart me", "script_text": "FADE IN:"}).json()
        pid = state["id"]
        http.put(
            f"/projects/{pid}/save",
            json={
                "base_version": 1,
                "scenes": [{"id": "sc", "name": "EXT. PIER - DAWN"}],
                "shots": [
                    {
                        "id": "a",
                        "scene_id": "sc",
                        "prompt": "Gulls",
                        "timeline": [{"asset_id": "x", "frame_index": 4, "strength": 0.5}],
                        "track_index": 1,
                        "start_frame": 33,
                        "height": 576,
                    }
                ],
            },
        ).raise_for_status()
        saved = http.get(f"/projects/{pid}").json()
    server.kill()  # a crash, not a polite shutdown
    server = server_factory(data)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        loaded = http.get(f"/projects/{pid}").json()
        assert loaded == saved
        assert http.get("/health").json()["data_dir"] == str(data.resolve())
