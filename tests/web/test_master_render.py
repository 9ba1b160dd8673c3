"""The Export dialog's master section in a real browser against a real server: a render with its
progress in the jobs area and a cancel, then a range with the timeline's mute, listed with a player and a download link."""

from __future__ import annotations

import httpx
import pytest

from tests.render.clips import codes, draft_clip, still
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


# Header items whose right edge passes the window's, or that are taller than one line (a dialog
# opened from the header is a fixed overlay, not one of its items).
HEADER_OVERFLOW = """() => [...document.querySelector('header.header').children].filter(e => {
  const r = e.getBoundingClientRect();
  return getComputedStyle(e).position !== "fixed" && (r.right > window.innerWidth || r.height > 40);
}).map(e => `${e.className || e.tagName} ${Math.round(e.getBoundingClientRect().right)}`)"""


def upload(base: str, pid: str, path, mime: str) -> dict:
    with open(path, "rb") as f:
        r = httpx.post(f"{base}/upload", data={"project_id": pid, "kind": "general"}, files={"file": (path.name, f, mime)})
    assert r.status_code == 201, r.text
    return r.json()


def test_master_render_renders_cancels_and_lists_renders(page, studio_server, tmp_path):
    base = studio_server.url
    pid, state = open_project(page, base, [])
    take = upload(base, pid, draft_clip(tmp_path / "a.mp4", 30, code0=300, width=320, height=192), "video/mp4")
    card = upload(base, pid, still(tmp_path / "card.png"), "image/png")
    shots = [
        {"id": "a", "index": 0, "num_frames": 30, "media_asset_id": take["id"]},
        {"id": "card", "index": 1, "num_frames": 1500, "media_asset_id": card["id"]},
    ]
    r = httpx.put(f"{base}/projects/{pid}/save", json={"base_version": state["version"], "shots": shots})
    assert r.status_code == 200, r.text
    page.reload()
    page.wait_for_function(f"{STATE}.projectId === '{pid}' && Object.keys({STATE}.shots).length === 2")
    page.wait_for_selector("[data-testid=connection][data-state=live]")

    # The whole cut (1,530 frames): its progress shows on the Export button; cancel it from the dialog.
    page.get_by_test_id("open-export").click()
    dialog = page.get_by_role("dialog", name="Export").locator("[data-section=master]")
    dialog.get_by_text("Whole cut (frames 0–1530, 1:04)").wait_for(state="attached")
    dialog.get_by_role("button", name="Render").click()
    page.wait_for_selector("[data-testid=render-job][data-status=processing]", timeout=30_000)
    # "Rendering 42% · 12 s" (the ETA once the first frames have timed it).
    page.wait_for_function(
        "/^Rendering \\d+% · \\d+ s$/.test(document.querySelector('[data-testid=open-export]').textContent)", timeout=30_000
    )
    assert "busy" in (page.get_by_test_id("open-export").get_attribute("class") or "")
    shot(page, "export-rendering")
    # With the render's label in it, the header still fits a laptop's width: nothing pushed off
    # the edge, nothing wrapped onto a second line.
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(f"window.innerWidth === {width}")
        overflow = page.evaluate(HEADER_OVERFLOW)
        assert overflow == [], f"at {width} px: {overflow}"
    shot(page, "export-rendering-1280")
    page.set_viewport_size({"width": 1440, "height": 900})
    # The jobs area lists the render too (the dialog is modal: read it, then cancel from the dialog).
    page.wait_for_function("document.querySelector('[data-testid=jobs-button]').textContent.includes('1 running')")
    dialog.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("[data-testid=render-job][data-status=cancelled]", timeout=30_000)
    page.wait_for_function("document.querySelector('[data-testid=open-export]').textContent === 'Export'")
    assert httpx.get(f"{base}/projects/{pid}/renders").json() == []

    # A range, with A1 muted on the timeline: the request carries the mute.
    page.get_by_role("dialog", name="Export").get_by_role("button", name="Close").click()
    page.get_by_label("Mute A1").click()
    page.get_by_test_id("open-export").click()
    dialog.get_by_label("Range").select_option("range")
    dialog.get_by_label("In frame").fill("4")
    dialog.get_by_label("Out frame").fill("40")
    dialog.get_by_text("36 frames (out is not included)").wait_for()
    dialog.get_by_role("button", name="Render").click()
    page.wait_for_selector("[data-testid=render-done] video", timeout=60_000)
    renders = httpx.get(f"{base}/projects/{pid}/renders").json()
    assert len(renders) == 1
    asset = renders[0]
    assert (asset["num_frames"], asset["meta"]["in_frame"], asset["meta"]["out_frame"], asset["meta"]["muted"]) == (
        36,
        4,
        40,
        ["A1"],
    )
    link = dialog.get_by_role("link", name="Download")
    assert link.get_attribute("href") == asset["url"] and link.get_attribute("download") == asset["filename"]
    page.wait_for_function("document.querySelector('[data-testid=render-done] video').readyState >= 1", timeout=20_000)
    duration = page.evaluate("document.querySelector('[data-testid=render-done] video').duration")
    assert abs(duration - 36 / 24) < 0.05
    shot(page, "export-finished")
    master = tmp_path / "master.mp4"
    master.write_bytes(httpx.get(f"{base}{asset['url']}").content)
    assert codes(master)[:26] == list(range(304, 330))  # frames 4..29 of the take, then the card
    assert not page.errors
