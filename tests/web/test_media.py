"""Media in a real browser: upload, drop onto the timeline, conditioning from the library, A1 waveform."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.state import state_shots
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 192), (40, 90, 140)).save(buf, "PNG")
    return buf.getvalue()


def test_upload_drop_conditioning_and_audio_lane(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [{"id": "a", "prompt": "the lamp room", "num_frames": 25, "enhance_prompt": False}])
    # Upload through the library's file input.
    page.get_by_test_id("upload-input").set_input_files(
        files=[{"name": "harbour.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.wait_for_selector("[data-testid=asset]")
    # Drag the asset onto V1: a new clip that shows the still (5 s), not a shot conditioned on it.
    page.locator("[data-testid=asset]").first.drag_to(page.get_by_test_id("lane-V1"), target_position={"x": 400, "y": 20})
    page.wait_for_function(f"Object.keys({STATE}.shots).length === 2")
    new_id = page.evaluate(f"Object.keys({STATE}.shots).find(k => k !== 'a')")
    doc = page.evaluate(f"{STATE}.shots['{new_id}']")
    assert doc["media_asset_id"] and doc["timeline"] == [] and doc["num_frames"] == 120
    assert page.evaluate(f"{STATE}.takes['{new_id}'].engine") == "upload"
    # Conditioning stays the inspector's: drop the asset on shot a's conditioning list.
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.locator("[data-testid=asset]").first.drag_to(page.get_by_test_id("conditioning"))
    page.wait_for_selector("[data-testid=cond-item]")
    assert page.evaluate(f"{STATE}.shots.a.timeline.length") == 1
    # Drop a file from the desktop onto the timeline: uploaded, then placed.
    page.evaluate(
        """async (b64) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        const lane = document.querySelector('[data-testid=lane-V2]');
        const r = lane.getBoundingClientRect();
        for (const type of ['dragover', 'drop']) lane.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: r.left + 200, clientY: r.top + 10 }));
    }""",
        __import__("base64").b64encode(png_bytes()).decode(),
    )
    page.wait_for_function(f"Object.values({STATE}.shots).some(s => s.track_index === 1)", timeout=10_000)
    assert page.locator("[data-testid=asset]").count() == 2

    # Generate shot a, then drag it down to A1: its audio plays from there and shows a waveform.
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.get_by_test_id("generate").click()
    page.wait_for_selector("[data-testid=job-status][data-status=completed]", timeout=60_000)
    clip = page.locator("[data-testid=clip][data-shot=a]").bounding_box()
    a1 = page.get_by_test_id("lane-A1").bounding_box()
    page.keyboard.press("n")  # snapping off: the drop frame is exact
    page.mouse.move(clip["x"] + 20, clip["y"] + 10)
    page.mouse.down()
    page.mouse.move(clip["x"] + 20, a1["y"] + 10, steps=5)
    page.mouse.up()
    page.wait_for_function(f"{STATE}.shots.a.track_index === 2")
    page.wait_for_selector("[data-testid=clip][data-shot=a] canvas.waveform")
    page.wait_for_function(
        "(() => { const c = document.querySelector('[data-testid=clip][data-shot=a] canvas.waveform'); if (!c) return false;"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()",
        timeout=10_000,
    )
    shot(page, "media-and-waveform")
    page.wait_for_function(f"{STATE}.saveState === 'saved'", timeout=10_000)
    server = {s["id"]: s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json())}
    assert server["a"]["track_index"] == 2
    assert len(server["a"]["timeline"]) == 1
