"""The Export dialog in a real browser against a real server: download an OTIO file of a cut made of
draft takes and check it parses; import an edited cut and see the report and the timeline change;
every format's button, the dialog's error for subtitles without dialogue, and an FCP 7 XML round trip
through a stale version (409) and back."""

from __future__ import annotations

import time
import zipfile

import httpx
import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE

pytestmark = pytest.mark.browser


def generate(base: str, pid: str, shot_id: str, frames: int, dialogue: str = "") -> None:
    r = httpx.post(
        f"{base}/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "id": shot_id,
                "prompt": f"The harbour at dawn, shot {shot_id}",
                "num_frames": frames,
                "width": 160,
                "height": 96,
                "fps": 24,
                "enhance_prompt": False,
                "dialogue": dialogue,
            },
        },
        timeout=30,
    )
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


FORMATS = {
    "otio": ".otio",
    "otioz": ".otioz",
    "fcp7xml": ".xml",
    "fcpxml": ".fcpxml",
    "aaf": ".aaf",
    "edl": ".edl",
    "srt": ".srt",
    "vtt": ".vtt",
}


def read_back(fmt: str, path) -> list[str]:
    """The clip names of V1 in a downloaded file, read with the format's own reader."""
    if fmt == "otioz":
        assert zipfile.is_zipfile(path)
        names = zipfile.ZipFile(path).namelist()
        assert "content.otio" in names and len([n for n in names if n.startswith("media/")]) == 2
        return [c.name for c in otio.adapters.read_from_file(str(path), adapter_name="otioz").tracks[0].find_clips()]
    if fmt == "aaf":
        assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # the compound-file signature
        timeline = otio.adapters.read_from_file(str(path), adapter_name="AAF")
        return [c.name for t in timeline.tracks if t.name == "V1" for c in t.find_clips()]
    text = path.read_text(encoding="utf-8")
    if fmt == "fcpxml":
        assert '<fcpxml version="1.11">' in text
    adapter = {"otio": "otio_json", "fcp7xml": "fcp_xml", "fcpxml": "fcpx_xml", "edl": "cmx_3600"}[fmt]
    result = otio.adapters.read_from_string(text, adapter, **({"rate": 24} if fmt == "edl" else {}))
    timeline = (
        result
        if isinstance(result, otio.schema.Timeline)
        else next(iter(result.find_children(descended_from_type=otio.schema.Timeline)))
    )
    return [c.name for c in timeline.tracks[0].find_clips()]


def test_export_dialog_downloads_every_format_and_imports_an_fcp7_cut(page, studio_server, tmp_path):
    """Every button of the editorial section, as a filmmaker clicks them: subtitles refused while no shot
    has dialogue, then each file named after the project and readable by its editor's reader; an FCP 7
    XML edited in Premiere comes back (first stale: the dialog says so and reloads, then imported)."""
    base = studio_server.url
    pid = httpx.post(f"{base}/projects", json={"name": "Night Ferry", "resolution_w": 160, "resolution_h": 96}).json()["id"]
    generate(base, pid, "pier", 33)
    generate(base, pid, "deck", 25)
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{pid}')")
    page.goto(base + "/")
    page.wait_for_function(f"{STATE}.projectId === '{pid}' && Object.keys({STATE}.shots).length === 2")
    page.wait_for_function(f"{STATE}.saveState === 'saved'", timeout=10_000)
    page.get_by_test_id("open-export").click()
    section = page.get_by_test_id("export-dialog").locator("[data-section=editorial]")
    assert section.locator("[data-format]").evaluate_all("els => els.map(e => e.dataset.format)") == list(FORMATS)

    # No dialogue yet: the 422 is said in the dialog, nothing is downloaded.
    downloads: list = []

    def on_download(d) -> None:
        downloads.append(d)

    page.on("download", on_download)
    section.locator("[data-format=srt]").click()
    alert = section.get_by_role("alert")
    alert.wait_for()
    assert "no clip on the timeline has dialogue" in alert.inner_text()
    shot(page, "export-no-dialogue")
    assert downloads == []
    page.remove_listener("download", on_download)

    # Someone else writes the dialogue (another tab, the CLI): the server's cut has it, this page's version is stale.
    version = httpx.get(f"{base}/projects/{pid}").json()["version"]
    r = httpx.put(
        f"{base}/projects/{pid}/save",
        json={
            "base_version": version,
            "shots": [{"id": "pier", "dialogue": "Last boat tonight."}, {"id": "deck", "dialogue": "Hold the rail."}],
        },
    )
    assert r.status_code == 200, r.text

    files = {}
    for fmt, ext in FORMATS.items():
        with page.expect_download() as info:
            section.locator(f"[data-format={fmt}]").click()
        download = info.value
        assert download.suggested_filename == f"Night Ferry{ext}", fmt
        files[fmt] = tmp_path / f"cut{ext}"
        download.save_as(files[fmt])
    assert not section.get_by_role("alert").count(), "a successful download clears the error"
    for fmt in ("otio", "otioz", "fcp7xml", "fcpxml", "aaf", "edl"):
        names = read_back(fmt, files[fmt])
        assert len(names) == 2, (fmt, names)
        if fmt != "edl":  # CMX 3600 keeps the clip name only as a comment the reader may shorten
            assert all(n.startswith("Sh ") for n in names), (fmt, names)
    assert (
        files["srt"].read_text()
        == "1\n00:00:00,000 --> 00:00:01,375\nLast boat tonight.\n\n2\n00:00:01,375 --> 00:00:02,417\nHold the rail.\n"
    )
    vtt = files["vtt"].read_text()
    assert vtt.startswith("WEBVTT\n") and "00:00:01.375 --> 00:00:02.417\nHold the rail." in vtt

    # Premiere trims the first clip to frames 6..26; the second follows it.
    timeline = otio.adapters.read_from_file(str(files["fcp7xml"]), adapter_name="fcp_xml")
    pier = next(c for c in timeline.find_clips() if "milimo:shot=pier" in str(c.metadata))
    pier.source_range = TimeRange(RationalTime(6, 24), RationalTime(20, 24))
    edited = tmp_path / "edited.xml"
    otio.adapters.write_to_file(timeline, str(edited), adapter_name="fcp_xml")
    importer = page.get_by_test_id("export-dialog").locator("[data-section=import-cut]")
    page.get_by_test_id("import-cut-file").set_input_files(str(edited))
    stale = importer.get_by_role("alert")
    stale.wait_for(timeout=15_000)
    assert "Someone saved this project meanwhile" in stale.inner_text()
    # The dialog reloaded the project: the other side's dialogue is here, and the version is the server's.
    page.wait_for_function(
        f"{STATE}.version === {version + 1} && {STATE}.shots['pier'].dialogue === 'Last boat tonight.'", timeout=10_000
    )
    assert httpx.get(f"{base}/projects/{pid}").json()["version"] == version + 1, "the stale import saved nothing"

    page.get_by_test_id("import-cut-file").set_input_files(str(edited))
    report = page.get_by_test_id("import-report")
    report.wait_for(timeout=15_000)
    assert "2 shots re-timed" in report.inner_text(), report.inner_text()
    assert not importer.get_by_role("alert").count()
    page.wait_for_function(f"{STATE}.shots['pier'].trim_in === 6 && {STATE}.shots['deck'].start_frame === 20", timeout=10_000)
    assert page.locator("[data-testid=clip][data-shot=pier]").get_attribute("data-length") == "20"
    assert page.locator("[data-testid=clip][data-shot=deck]").get_attribute("data-length") == "25"
    shot(page, "export-fcp7-imported")
    assert not page.errors
