"""The Export dialog in a real browser against a real server: download an OTIO file of a cut made of
draft takes and check it parses; import an edited cut and see the report and the timeline change."""

from __future__ import annotations

import time

import httpx
import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE

pytestmark = pytest.mark.browser


def generate(base: str, pid: str, shot_id: str, frames: int, dialogue: str = "") -> None:
    r = httpx.post(f"{base}/generate/advanced", json={"project_id": pid, "shot_config": {
        "id": shot_id, "prompt": f"The harbour at dawn, shot {shot_id}", "num_frames": frames, "width": 160, "height": 96,
        "fps": 24, "enhance_prompt": False, "dialogue": dialogue}}, timeout=30)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 60
    while httpx.get(f"{base}/status/{r.json()['job_id']}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_export_dialog_downloads_otio_and_imports_an_edited_cut(page, studio_server, tmp_path):
    base = studio_server.url
    pid = httpx.post(f"{base}/projects", json={"name": "Harbour Cut", "resolution_w": 160, "resolution_h": 96}).json()["id"]
    generate(base, pid, "dawn", 33, "The boats are late.")
    generate(base, pid, "gulls", 25)
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{pid}')")
    page.goto(base + "/")
    page.wait_for_function(f"{STATE}.projectId === '{pid}' && Object.keys({STATE}.shots).length === 2")
    page.wait_for_function(f"{STATE}.saveState === 'saved'", timeout=10_000)

    page.get_by_test_id("open-export").click()
    dialog = page.get_by_test_id("export-dialog")
    dialog.wait_for()
    shot(page, "export-dialog")
    with page.expect_download() as info:
        dialog.locator("[data-format=otio]").click()
    download = info.value
    assert download.suggested_filename == "Harbour Cut.otio"
    path = tmp_path / "cut.otio"
    download.save_as(path)
    timeline = otio.adapters.read_from_file(str(path))
    v1 = timeline.tracks[0]
    assert [c.metadata["milimo"]["shot_id"] for c in v1.find_clips()] == ["dawn", "gulls"]

    # The editor trims the first clip and runs the second 10 frames past its media.
    dawn, gulls = list(v1.find_clips())
    dawn.source_range = TimeRange(RationalTime(5, 24), RationalTime(20, 24))
    gulls.source_range = TimeRange(RationalTime(0, 24), RationalTime(35, 24))
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(timeline, str(edited))
    page.get_by_test_id("import-cut-file").set_input_files(str(edited))
    report = page.get_by_test_id("import-report")
    report.wait_for(timeout=15_000)
    assert "2 shots re-timed" in report.inner_text() and "1 needs more frames" in report.inner_text()
    assert "10 frames after its end" in report.locator(".needs-frames").inner_text()
    # The project reloaded: the timeline shows the editor's cut.
    page.wait_for_function(f"{STATE}.shots['dawn'].trim_in === 5 && {STATE}.shots['gulls'].start_frame === 20", timeout=10_000)
    assert page.locator("[data-testid=clip][data-shot=dawn]").get_attribute("data-length") == "20"
    assert page.locator("[data-testid=clip][data-shot=gulls]").get_attribute("data-length") == "35"
    shot(page, "export-import-report")
    assert not page.errors
