"""The shared queue and the event fan-out, on a real PostgreSQL, without HTTP or Ray (fast):
claim order with affinity, a reaped job that its cut-off worker cannot complete afterwards,
oversized events over NOTIFY, and Last-Event-ID replay and resync on a replica for events
that another replica published."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta

import orjson
import pytest

from milimo.cluster.front import ClusterExecutor
from milimo.config import Settings
from milimo.db.database import Database
from milimo.db.migrate import upgrade
from milimo.db.models import Job, Project, Shot, utcnow
from milimo.db.states import JobStatus, JobType, ShotStatus
from milimo.jobs import store
from milimo.jobs.channel import MAX_PAYLOAD, Channel
from milimo.jobs.events import EventBus
from milimo.jobs.leases import WORKER_LOST
from milimo.jobs.results import JobOutputs, ShotTake

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def db(cluster_db: str) -> Iterator[Database]:
    upgrade(cluster_db)
    database = Database(cluster_db)
    database.write(lambda s: s.add(Project(id="queue-p", name="Queue")))
    yield database
    database.close()


def _job(db: Database, job_id: str, family: str, age_s: float, **fields) -> None:
    created = utcnow() - timedelta(seconds=age_s)
    db.write(
        lambda s: s.add(Job(id=job_id, project_id="queue-p", type=JobType.video, family=family, created_at=created, **fields))
    )


def _claim(db: Database, ready: set[str], defer_s: float = 60.0) -> str | None:
    job = store.claim_next(db, ready_families=frozenset(ready), defer_s=defer_s)
    return None if job is None else job.id


def test_claim_takes_the_warm_family_first_and_another_only_after_it_waited(db):
    _job(db, "q-old-flux", "flux2", age_s=120)
    _job(db, "q-new-flux", "flux2", age_s=1)
    _job(db, "q-ltx", "ltx2", age_s=0)
    assert _claim(db, {"ltx2"}) == "q-ltx"  # newest, but this worker holds its family
    assert _claim(db, {"ltx2"}) == "q-old-flux"  # waited past defer_s: a cold worker may take it now
    assert _claim(db, {"ltx2"}) is None  # 1 s old: left for a worker that holds flux2
    assert _claim(db, set()) is None  # a worker holding nothing defers it too
    assert _claim(db, {"flux2"}) == "q-new-flux"  # the warm worker gets it at once
    assert _claim(db, {"flux2"}) is None
    rows = [store.get_job(db, j) for j in ("q-ltx", "q-old-flux", "q-new-flux")]
    assert all(r.status == JobStatus.processing and r.started_at is not None for r in rows)


def test_a_reaped_job_stays_failed_when_its_cut_off_worker_finishes(db):
    db.write(lambda s: s.add(Shot(id="q-shot", project_id="queue-p", status=ShotStatus.generating, last_job_id="q-cut")))
    _job(db, "q-cut", "", age_s=0, shot_id="q-shot")
    assert _claim(db, {""}) == "q-cut"
    # The reaper, seeing no lease: the job failed.
    assert store.finish(db, "q-cut", JobStatus.failed, error=WORKER_LOST) is not None
    # The worker was only partitioned; it comes back and reports its take.
    take = ShotTake("asset_x", "/projects/queue-p/generated/q-cut.mp4", None, "standin", 9)
    assert store.finish(db, "q-cut", JobStatus.completed, outputs=JobOutputs(video_url=take.video_url), take=take) is None
    assert store.finish(db, "q-cut", JobStatus.cancelled) is None
    row = store.get_job(db, "q-cut")
    assert (row.status, row.error, row.outputs.get("video_url")) == (JobStatus.failed, WORKER_LOST, None)
    with db.read() as s:
        shot = s.get(Shot, "q-shot")
        assert shot is not None and shot.video_url is None and shot.status == ShotStatus.failed
    _job(db, "q-pending", "", age_s=0)  # never claimed: nothing can finish it either
    assert store.finish(db, "q-pending", JobStatus.completed) is None
    assert store.get_job(db, "q-pending").status == JobStatus.pending
    store.request_cancel(db, "q-pending")


def test_an_event_too_large_for_notify_arrives_as_its_routing_fields(cluster_db):
    heard: list[dict] = []
    listener, sender = Channel(cluster_db), Channel(cluster_db)
    listener.on("e", lambda message, own: heard.append(message))
    listener.start()
    try:
        routing = {"job_id": "job_big", "shot_id": "s1", "project_id": "p1", "type": "video", "status": "processing"}
        small = {**routing, "message": "Generating (1/8)", "log": "x" * 100}
        big = {**routing, "message": "Generating (2/8)", "log": "x" * 8000}
        assert len(orjson.dumps({"t": "log", "d": big})) > MAX_PAYLOAD
        sender.send_event("log", small)
        sender.send_event("log", big)
        deadline = time.monotonic() + 5
        while len(heard) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [m["t"] for m in heard] == ["log", "log"]
        assert heard[0]["d"] == small  # under the limit: whole
        assert heard[1]["d"] == {**routing, "truncated": True}  # over: a client reloads the job from its row
    finally:
        listener.close()
        sender.close()


def _replica(cluster_db: str, tmp_path, name: str) -> tuple[ClusterExecutor, EventBus]:
    settings = Settings(data_dir=tmp_path / name, database_url=cluster_db, executor="external", log_level="warning")
    bus = EventBus(64)
    executor = ClusterExecutor(settings, Database(cluster_db), bus)
    executor.channel.start()  # the replica's listener; its reaper is not needed here
    return executor, bus


async def _read_stream(bus: EventBus, last_id: int | None, count: int) -> list[tuple[int, str, dict]]:
    """What an SSE client sending `last_id` as Last-Event-ID receives first: (id, event, data) per event."""
    frames: list[tuple[int, str, dict]] = []
    stream = bus.stream(last_id, keepalive_s=0.2)
    async for chunk in stream:
        for block in chunk.decode().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in lines:
                frames.append((int(lines["id"]), lines["event"], orjson.loads(lines["data"])))
        if len(frames) >= count or chunk.startswith(b": keepalive"):
            break
    await stream.aclose()
    return frames


def test_replica_b_replays_and_resyncs_events_that_replica_a_published(cluster_db, tmp_path):
    a, bus_a = _replica(cluster_db, tmp_path, "a")
    b, bus_b = _replica(cluster_db, tmp_path, "b")
    try:
        route = {"job_id": "job_fan", "shot_id": None, "project_id": "p1", "type": "video"}
        for step in range(1, 6):
            bus_a.publish("progress", {**route, "progress": step * 10, "message": f"Generating ({step}/5)"})
        bus_a.publish("complete", {**route, "status": "completed", "progress": 100})
        deadline = time.monotonic() + 5
        while len(bus_b.since(0)[0]) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        heard, _ = bus_b.since(0)
        assert [e.type for e in heard] == ["progress"] * 5 + ["complete"]
        assert [e.data["progress"] for e in heard] == [10, 20, 30, 40, 50, 100]  # in the order A published them
        assert [e.id for e in heard] == list(range(heard[0].id, heard[0].id + 6))  # B's own ids, contiguous

        # A client of B that had seen up to the second progress reconnects: it gets the rest, in order.
        replay = asyncio.run(_read_stream(bus_b, heard[1].id, 4))
        assert [(i, t, d["progress"]) for i, t, d in replay] == [(e.id, e.type, e.data["progress"]) for e in heard[2:]]
        assert all(d["job_id"] == "job_fan" for _, _, d in replay)

        # An id B never issued (A's, from a process that booted later, is ahead of B's): resync to B's now.
        foreign = bus_a.last_id + 10**9
        assert foreign > bus_b.last_id
        resync = asyncio.run(_read_stream(bus_b, foreign, 1))
        assert [(i, t) for i, t, _ in resync] == [(bus_b.last_id, "resync")]
        assert bus_a.since(0)[0][-1].data["progress"] == 100 and len(bus_a.since(0)[0]) == 6  # A did not hear itself twice
    finally:
        for executor in (a, b):
            executor.channel.close()
            executor.db.close()


def test_a_model_a_worker_holds_cannot_be_deleted_from_a_replica(cluster_db, tmp_path):
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.engines.library import entry

    upscaler = "ltx2-spatial-upscaler"  # LTX-2's files: a worker with ltx2 loaded reads them
    settings = Settings(data_dir=tmp_path / "data", database_url=cluster_db, executor="external", log_level="warning")
    folder = settings.models_dir / upscaler
    for rel in entry(upscaler).required_files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("{}")
    worker = Channel(cluster_db, origin="gpu-7")  # a worker's heartbeat, as WorkerNode beats it
    beat = {"name": "gpu-7", "kind": "worker", "device": "cuda", "gpu_ids": ["0"], "active": [], "in_use": {}}
    try:
        with TestClient(create_app(settings)) as client:
            worker.send("h", {"w": {**beat, "loaded": ["ltx2"]}})
            deadline = time.monotonic() + 5
            while not client.get("/engines").json()["workers"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [w["loaded"] for w in client.get("/engines").json()["workers"]] == [["ltx2"]]
            r = client.delete(f"/models/{upscaler}")
            assert r.status_code == 409 and "worker gpu-7 (ltx2)" in r.json()["detail"], r.text
            assert folder.exists()
            worker.send("h", {"w": {**beat, "loaded": ["flux2"]}})  # it switched family: LTX-2's files are free
            while client.get("/engines").json()["workers"][0]["loaded"] != ["flux2"] and time.monotonic() < deadline + 5:
                time.sleep(0.05)
            r = client.delete(f"/models/{upscaler}")
            assert r.status_code == 200 and r.json()["deleted"], r.text
            assert not folder.exists()
    finally:
        worker.close()
