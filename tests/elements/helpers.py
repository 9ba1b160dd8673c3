"""Small real helpers for the element tests: upload an image, wait for a job."""

from __future__ import annotations

import io
import time

from PIL import Image


def png(colour: tuple[int, int, int], size: tuple[int, int] = (96, 96)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def upload(
    client, project_id: str, colour=(220, 30, 30), kind: str = "element", name: str = "ref.png", data: bytes | None = None
) -> dict:
    r = client.post(
        "/upload",
        data={"project_id": project_id, "kind": kind},
        files={"file": (name, data if data is not None else png(colour), "image/png")},
    )
    assert r.status_code == 201, r.text
    return r.json()


def wait_job(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while (job := client.get(f"/status/{job_id}").json())["status"] not in ("completed", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def counts(client) -> dict[str, int]:
    """Rows per table, to prove a refused request wrote nothing."""
    from sqlalchemy import func, select

    from milimo.db.models import Asset, Element, ElementImage, Job, Shot

    with client.app.state.studio.db.read() as session:
        return {
            t.__name__: session.execute(select(func.count()).select_from(t)).scalar()
            for t in (Asset, Element, ElementImage, Job, Shot)
        }
