"""A bounded schemathesis run over every operation, against a real `milimo serve` and a real draft
segmentation service, with real ids bound (project, shot, scene, element, image and clip assets, job).

It fails on any 5xx and on any response the schema does not describe (status, content type,
body, headers). Up to 50 cases per operation (fewer where the inputs run out), derandomised so CI sees the same cases.
`/events` is left out (an endless stream; tests/hardening/test_events_resync.py covers it).
"""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from milimo.app import create_app
from milimo.media import encode_video
from tests.conftest import ServerProcess
from tests.sam_service.conftest import SamProcess
from tests.sam_service.synthetic import moving_square

EXAMPLES_PER_OPERATION = 50
# Body fields that name something, and which of the studio's ids they take (inpaint's image and mask: the still).
BODY_IDS = {
    "project_id": "project_id",
    "asset_id": "asset_id",
    "scene_id": "scene_id",
    "element_id": "element_id",
    "shot_id": "shot_id",
    "image": "image_id",
    "mask": "image_id",
}


# The segmentation service runs here (draft engine), so /edit is fuzzed past the service call. Two of its
# documented 5xx are then the truth, and only there: 501 `needs_model` (a text prompt or detection needs
# SAM 3, which the draft engine is not) and 503 `unavailable` (its bounded sessions, filled by a burst of track/start).
SERVICE_ROUTES = ("/edit/",)
SERVICE_ANSWERS = {501: "needs_model", 503: "unavailable"}


@schemathesis.check
def no_server_fault(ctx, response, case):
    """Any 5xx fails, except a documented SERVICE_ANSWERS answer of a route through the segmentation service."""
    code = SERVICE_ANSWERS.get(response.status_code)
    if code and case.operation.path.startswith(SERVICE_ROUTES):
        if (
            str(response.status_code) in (case.operation.definition.raw.get("responses") or {})
            and response.json().get("code") == code
        ):
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_fault,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Schemathesis' coverage phase (every boundary value of every field, regardless of max_examples) took
# over 6 minutes of CI for ~70 operations; the fuzzing phase's derandomised examples keep the run
# bounded (the issue: a few hundred cases, under 3 minutes) and still reach every operation.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(create_app().openapi(), config=CONFIG)


class Studio:
    """A real server and segmentation service with one project, a shot, a scene, an element, an uploaded
    image and clip and a finished job to aim at."""

    def __init__(self, tmp: Path) -> None:
        data = tmp / "data"
        (data / "projects").mkdir(parents=True)
        self.sam = SamProcess(data, {"MILIMO_SEGMENT_ENGINE": "draft"}).start()
        self.server = ServerProcess(
            data,
            env={
                "MILIMO_VIDEO_ENGINE": "draft",
                "MILIMO_IMAGE_ENGINE": "draft",
                "MILIMO_TEXT_ENGINE": "draft",
                "HF_HUB_OFFLINE": "1",
                "MILIMO_SAM_URL": self.sam.url,
            },
        ).start()
        self.http = httpx.Client(base_url=self.server.url, timeout=30)
        self.clip = _clip(tmp / "clip.mp4")
        self.ids: dict[str, str] = {}
        self.made = 0
        self.ensure()

    def ensure(self) -> dict[str, str]:
        """Recreate what an earlier case deleted."""
        pid = self.ids.get("project_id")
        if not (
            pid
            and self.http.get(f"/projects/{pid}").status_code == 200
            and self.http.get(f"/assets/{self.ids['asset_id']}").status_code == 200
            and self.http.get(f"/assets/{self.ids['video_asset_id']}").status_code == 200
        ):
            self._project()
        if self.http.get(f"/elements/{self.ids['element_id']}").status_code != 200:
            self._element()
        board = self.http.get(f"/projects/{self.ids['project_id']}/storyboard").json()
        if self.ids["scene_id"] not in {sc["id"] for sc in board["scenes"]}:
            self._scene(board["project_version"])
        return self.ids

    def _project(self) -> None:
        project = self.http.post("/projects", json={"name": "Fuzz"}).json()
        pid = project["id"]
        self.http.put(
            f"/projects/{pid}/save",
            json={"base_version": project["version"], "shots": [{"id": f"shot{pid[:8]}", "num_frames": 49}]},
        )
        asset = self.http.post("/upload", data={"project_id": pid}, files={"file": ("p.png", _png(), "image/png")}).json()
        video = self.http.post("/upload", data={"project_id": pid}, files={"file": ("c.mp4", self.clip, "video/mp4")}).json()
        job = self.http.post("/generate/image", json={"project_id": pid, "prompt": "x", "width": 64, "height": 64}).json()
        self.ids = {
            "project_id": pid,
            "shot_id": f"shot{pid[:8]}",
            "asset_id": asset["id"],
            "video_asset_id": video["id"],
            "job_id": job["job_id"],
            "path": asset["url"].split("/assets/", 1)[1],
            "model_id": "ltx2-distilled",
            "element_id": "",
            "scene_id": "",
        }

    def _element(self) -> None:
        self.made += 1
        r = self.http.post(f"/projects/{self.ids['project_id']}/elements", json={"name": f"Mara {self.made}"})
        assert r.status_code == 201, r.text
        self.ids["element_id"] = r.json()["id"]

    def _scene(self, version: int) -> None:
        r = self.http.post(
            f"/projects/{self.ids['project_id']}/storyboard/commit",
            json={"base_version": version, "scenes": [{"heading": "INT. OFFICE - NIGHT", "shots": [{"action": "Mara waits."}]}]},
        )
        assert r.status_code == 200, r.text
        self.ids["scene_id"] = r.json()["scenes"][0]["id"]

    def aim(self, name: str, rng: random.Random) -> str:
        """The real id for a parameter or body field of that name (an asset: the image or the clip)."""
        if name == "asset_id" and rng.random() < 0.5:
            return self.ids["video_asset_id"]
        return self.ids["asset_id" if name == "image_id" else name]

    def cancel_queued(self, response) -> None:
        # Generation cases queue real draft jobs: cancel them so the fuzz does not become a render farm.
        if response.status_code in (200, 202) and "json" in response.headers.get("content-type", ""):
            job_id = response.json().get("job_id") if isinstance(response.json(), dict) else None
            if job_id:
                self.http.post(f"/jobs/{job_id}/cancel")

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        self.sam.stop()


def _clip(path: Path) -> bytes:
    """12 frames of a sliding square at 96x72: something to take a frame of and to track."""
    frames, _ = moving_square(frames=12, h=72, w=96, side=20)
    encode_video(iter(frames), path, fps=24, width=96, height=72)
    return path.read_bytes()


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 40, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    s = Studio(tmp_path_factory.mktemp("fuzz"))
    yield s
    s.close()


@schema.include(path_regex="^(?!/events$)").parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_every_operation_answers_within_its_schema(case, studio):
    ids = studio.ensure()
    # Seeded by the whole case (a body-only operation's cases would otherwise all roll alike).
    rng = random.Random(repr(case.path_parameters) + repr(case.query) + repr(case.body))
    # Half the cases aim every id at things that exist (a scene of the project, an asset of it), so the fuzz
    # reaches past the 404s and 422s; a quarter aim some ids only (a real scene of a made-up project).
    roll = rng.random()
    aim_all, aim_some = roll < 0.5, roll < 0.75
    for name in list(case.path_parameters or {}):
        if (
            name in ids
            and (aim_all or (aim_some and rng.random() < 0.5))
            and not (case.method == "POST" and case.path.endswith("/download"))
        ):
            case.path_parameters[name] = studio.aim(name, rng)
    if isinstance(case.body, dict):
        for field, name in BODY_IDS.items():
            if field in case.body and (aim_all or (aim_some and rng.random() < 0.5)):
                case.body[field] = studio.aim(name, rng)
    response = case.call_and_validate(base_url=studio.server.url, checks=CHECKS, timeout=30)
    studio.cancel_queued(response)
