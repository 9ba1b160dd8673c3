"""Smooth motion ×2 as a filmmaker uses it, in a real browser against a real server (draft engines): a take's
"Smooth motion ×2" queues the job, the shot's progress bar runs, the new take appears at twice the frame
rate marked "smooth ×2", becomes the shot's take and plays; the toast says why the draft interpolator made it."""

from __future__ import annotations

import httpx
import pytest

from milimo.media import probe
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


def test_smooth_motion_makes_a_new_take_at_twice_the_rate(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page,
        base,
        [
            {
                "id": "a",
                "prompt": "a gull glides over the harbour",
                "num_frames": 97,
                "fps": 24,
                "seed": 3,
                "width": 512,
                "height": 320,
                "enhance_prompt": False,
            }
        ],
    )
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.get_by_test_id("generate").click()
    page.wait_for_selector("[data-testid=job-status][data-status=completed]", timeout=90_000)
    page.wait_for_function(f"{STATE}.takeList.length === 1", timeout=10_000)
    first = page.locator("[data-testid=take-row]").nth(0)
    source_id = first.get_attribute("data-asset")
    assert "24 fps" in first.inner_text()

    first.get_by_test_id("smooth-take").click()
    # The shot's own progress bar runs while the frames are interpolated, and the button waits for it.
    page.wait_for_selector("[data-testid=job-status][data-status=processing] [data-testid=progress]", timeout=30_000)
    assert page.locator("[data-testid=smooth-take]").first.is_disabled()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('draft interpolator'))"
    )
    shot(page, "smooth-motion-running")
    page.wait_for_selector("[data-testid=job-status][data-status=completed]", timeout=120_000)
    page.wait_for_function(f"{STATE}.takeList.length === 2", timeout=10_000)

    rows = page.locator("[data-testid=take-row]")
    newest = rows.nth(0)
    new_id = newest.get_attribute("data-asset")
    assert new_id != source_id and newest.get_attribute("data-current") == "true"
    assert newest.get_by_test_id("take-smoothed").inner_text() == "smooth ×2"
    # same length: 97 frames at 24 fps (4 s 1 frame) are 194 at 48 (4 s 2 of its frames)
    assert "48 fps" in newest.inner_text() and "4s 2f" in newest.inner_text() and "4s 1f" in rows.nth(1).inner_text()
    assert rows.nth(1).get_attribute("data-current") == "false"
    page.wait_for_function(f"{STATE}.shots.a.media_asset_id === '{new_id}'")

    newest.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "(() => { const v = document.querySelector('[data-testid=take-video]'); return v && v.currentTime > 0.2; })()",
        timeout=15_000,
    )
    shot(page, "smooth-motion-done")

    asset = httpx.get(f"{base}/assets/{new_id}").json()
    assert asset["meta"]["smoothed_from"] == source_id and asset["fps"] == 48
    out = probe(studio_server.data_dir / "projects" / pid / "generated" / asset["url"].rsplit("/", 1)[1])
    assert out.num_frames == 194 and out.has_audio and abs(out.duration - 97 / 24) < 1 / 24
    assert page.errors == []
