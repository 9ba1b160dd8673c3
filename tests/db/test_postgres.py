"""The same studio on PostgreSQL: migrations, saves, 409s, deletes, zombie recovery."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from milimo.app import create_app
from milimo.config import Settings
from milimo.db.database import Database
from tests.state import state_shots


def test_projects_work_on_postgresql(postgres_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url, log_level="warning")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["database"] == "postgresql"
        pid = client.post("/projects", json={"name": "On Postgres"}).json()["id"]
        state = client.put(
            f"/projects/{pid}/save",
            json={
                "base_version": 1,
                "scenes": [{"id": "pg-sc"}],
                "shots": [
                    {
                        "id": "pg-a",
                        "scene_id": "pg-sc",
                        "timeline": [{"asset_id": "x", "frame_index": 2}],
                        "matched_elements": [{"element_id": "e1"}],
                        "transition": "CUT TO:",
                        "dual_dialogue": True,
                    },
                    {"id": "pg-b", "scene_id": "pg-sc", "index": 1},
                ],
            },
        ).json()
        assert state["version"] == 2
        state = client.get(f"/projects/{pid}").json()
        assert state["shots"][0]["timeline"][0]["frame_index"] == 2
        shots = {s["id"]: s for s in state["shots"]}
        assert (shots["pg-a"]["transition"], shots["pg-a"]["dual_dialogue"]) == ("CUT TO:", True)
        assert "transition" not in shots["pg-b"] and "dual_dialogue" not in shots["pg-b"]  # empty: left out
        assert client.patch("/shots/pg-a", json={"prompt": "p"}).json()["project_version"] == 3
        assert client.put(f"/projects/{pid}/save", json={"base_version": 2}).status_code == 409
        split = client.post("/shots/pg-a/split", json={"split_frame": 60})
        assert split.status_code == 200
        assert (split.json()["original_shot"]["transition"], split.json()["new_shot"]["transition"]) == ("", "CUT TO:")
        assert client.get(f"/projects/{pid}").json() == client.get(f"/projects/{pid}").json()
        assert len(state_shots(client.get(f"/projects/{pid}").json())) == 3
        assert client.delete(f"/projects/{pid}").status_code == 200
        db = Database(postgres_url)
        with db.read() as session:
            assert session.execute(text("select count(*) from shot where project_id = :p"), {"p": pid}).scalar() == 0
        db.close()
