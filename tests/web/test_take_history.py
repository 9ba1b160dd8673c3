"""Takes as a filmmaker manages them, in a real browser against a real server (draft engines):
every take listed with its readable name, seed and engine; one chosen as the shot's take; two
compared side by side; out-of-date marks when the shot changes; a clip longer than its media
shown as missing picture; uploads keep their names and get no Regenerate or grid hints."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project
from tests.web.test_takes import server_shots, wait_saved

pytestmark = pytest.mark.browser


def generate(page) -> None:
    before = page.evaluate(f"{STATE}.takeList.length")
    page.get_by_test_id("generate").click()
    page.wait_for_selector("[data-testid=job-status][data-status=completed]", timeout=60_000)
    page.wait_for_function(f"{STATE}.takeList.length === {before + 1}", timeout=10_000)


def test_take_history_choose_compare_out_of_date_and_past_media(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page,
        base,
        [
            {
                "id": "a",
                "prompt": "a lighthouse at dusk",
                "num_frames": 9,
                "seed": 7,
                "width": 320,
                "height": 192,
                "enhance_prompt": False,
            }
        ],
    )
    page.locator("[data-testid=clip][data-shot=a]").click()
    generate(page)
    # A new seed from the inspector, then a second take.
    page.get_by_test_id("new-seed").click()
    page.wait_for_function(f"{STATE}.shots.a.seed !== 7")
    seed2 = page.evaluate(f"{STATE}.shots.a.seed")
    generate(page)

    rows = page.locator("[data-testid=take-row]")
    assert rows.count() == 2
    labels = [r.locator(".take-label b").inner_text() for r in rows.all()]
    assert labels == ["Sh 1 · take 2", "Sh 1 · take 1"]  # newest first, named by shot, not job_<uuid>.mp4
    newest, oldest = rows.nth(0), rows.nth(1)
    assert newest.get_attribute("data-current") == "true" and newest.get_attribute("data-stale") == ""
    assert f"seed {seed2}" in newest.inner_text() and "DRAFT" in newest.inner_text()
    assert oldest.get_attribute("data-stale") == "seed", "take 1 was made with seed 7"
    assert "Out of date: the shot's seed changed" in oldest.get_by_test_id("take-stale").inner_text()
    names = page.locator("[data-testid=asset-name]").all_inner_texts()
    assert sorted(names) == ["Sh 1 · take 1", "Sh 1 · take 2"], "the library names takes the same way"
    shot(page, "takes-listed")

    # Side by side.
    for r in (newest, oldest):
        r.get_by_role("checkbox").check()
    page.get_by_test_id("compare-takes").click()
    cells = page.locator("[data-testid=compare-cell]")
    assert cells.count() == 2 and cells.locator("video").count() == 2
    page.get_by_test_id("play-both").click()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=compare-cell] video')].every(v => v.currentTime > 0 || v.ended)",
        timeout=10_000,
    )
    shot(page, "takes-compared")
    page.keyboard.press("Escape")
    assert page.locator("[data-testid=takes-compare]").count() == 0

    # Choose take 1: the shot shows it, its enhanced prompt is its own, the server has it.
    take1 = oldest.get_attribute("data-asset")
    oldest.get_by_test_id("choose-take").click()
    page.wait_for_function(f"{STATE}.shots.a.media_asset_id === '{take1}' && {STATE}.takes.a.media_asset_id === '{take1}'")
    page.wait_for_selector(f"[data-testid=take-row][data-asset='{take1}'][data-current=true]")
    wait_saved(page)
    assert server_shots(base, pid)["a"]["media_asset_id"] == take1
    page.keyboard.press("Control+z")  # an ordinary edit: undo goes back to take 2
    page.wait_for_function(f"{STATE}.shots.a.media_asset_id !== '{take1}'")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function(f"{STATE}.shots.a.media_asset_id === '{take1}'")

    # Changing the prompt dates every take at once (before any save).
    page.get_by_label("Prompt", exact=True).fill("a lighthouse in fog")
    page.get_by_label("Prompt", exact=True).blur()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=take-row]')].every(r => r.dataset.stale.includes('prompt'))"
    )

    # The clip made longer than its 9-frame take: the rest is marked as missing, and the player shows black, not a frozen frame.
    page.get_by_label("Frames").fill("30")
    page.get_by_label("Frames").press("Enter")
    mark = page.locator("[data-testid=clip][data-shot=a] [data-testid=past-media]")
    mark.wait_for()
    assert mark.get_attribute("data-missing") == "21"
    page.evaluate("window.__milimo.store.setState({ frame: 20, playing: false })")
    page.wait_for_selector("[data-testid=past-media-stage]")
    assert "21 frames longer than its media" in page.get_by_test_id("past-media-stage").inner_text()
    shot(page, "past-media")
    page.evaluate("window.__milimo.store.setState({ frame: 3 })")
    page.wait_for_selector("[data-testid=past-media-stage]", state="detached")
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_upload_keeps_its_name_and_is_not_offered_regenerate(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [{"id": "a", "prompt": "", "num_frames": 25}])
    buf = io.BytesIO()
    Image.new("RGB", (320, 192), (240, 240, 235)).save(buf, "PNG")  # a light frame: the size/fps overlay must stay readable
    page.get_by_test_id("upload-input").set_input_files(
        files=[{"name": "Poster – final.png", "mimeType": "image/png", "buffer": buf.getvalue()}]
    )
    page.wait_for_selector("[data-testid=asset]")
    assert page.get_by_test_id("asset-name").inner_text() == "Poster – final.png"
    assert httpx.get(f"{base}/projects/{pid}/assets").json()[0]["filename"] == "Poster – final.png"
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.locator("[data-testid=asset]").first.hover()
    page.get_by_test_id("use-as-take").click()
    page.wait_for_function(f"{STATE}.takes.a.engine === 'upload'")
    button = page.get_by_test_id("generate").inner_text()
    assert "Regenerate" not in button and "Generate a take" in button
    inspector = page.get_by_test_id("inspector").inner_text()
    assert "Generating:" not in inspector and "frames in one pass" not in inspector, "no engine-grid warnings for an upload"
    page.wait_for_selector("[data-testid=take-row][data-current=true]")
    assert page.locator("[data-testid=take-row] .take-label b").inner_text() == "Poster – final.png"
    # The viewer's overlay is light text on a dark chip, readable over this near-white frame.
    hud = page.evaluate("getComputedStyle(document.querySelector('[data-testid=hud]')).backgroundColor")
    assert hud.startswith("rgba(8, 9, 11")
    shot(page, "upload-take")


def test_a_generated_still_lands_with_a_default_length_and_a_shot_off_the_project_rate_conforms(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page,
        base,
        [
            {
                "id": "p",
                "prompt": "a poster of the lighthouse",
                "num_frames": 1,
                "width": 320,
                "height": 192,
                "enhance_prompt": False,
            },
            {"id": "r", "prompt": "gulls over the pier", "num_frames": 48, "fps": 12, "start_frame": 300},
        ],
    )
    assert page.locator("[data-testid=clip][data-shot=p]").get_attribute("data-length") == "1"
    page.locator("[data-testid=clip][data-shot=p]").click()
    generate(page)
    page.wait_for_selector("[data-testid=clip][data-shot=p][data-length='120']")  # 5 s at 24 fps, not a 4 px sliver
    assert any("held for 5 s" in t for t in page.locator("[data-testid=toast]").all_inner_texts())
    wait_saved(page)
    assert server_shots(base, pid)["p"]["num_frames"] == 120
    row = page.locator("[data-testid=take-row]")
    assert row.get_attribute("data-stale") == "" and "still" in row.inner_text(), "a still fits any length"
    assert page.locator("[data-testid=clip][data-shot=p] [data-testid=past-media]").count() == 0
    page.keyboard.press("Control+z")  # the hold is the result's, not an undo step
    assert page.evaluate(f"{STATE}.shots.p.num_frames") == 120
    page.get_by_label("Frames").fill("48")
    page.get_by_label("Frames").press("Enter")
    page.wait_for_selector("[data-testid=clip][data-shot=p][data-length='48']")
    shot(page, "still-held")

    # A shot at 12 fps in a 24 fps project (an older project, a script): marked, and conformed on request.
    page.locator("[data-testid=clip][data-shot=r]").click()
    assert page.get_by_label("FPS").count() == 0, "the rate is the project's, not a free per-shot field"
    mark = page.get_by_test_id("rate-mismatch")
    assert "a take lasts 4 s but its clip shows 2 s, the rest never seen" in mark.inner_text()
    mark.scroll_into_view_if_needed()
    shot(page, "rate-mismatch")
    page.get_by_test_id("conform-rate").click()
    page.wait_for_function(f"{STATE}.shots.r.fps === 24")
    assert page.get_by_test_id("rate-mismatch").count() == 0
    assert page.get_by_test_id("shot-rate").inner_text() == "24 fps · the project's"
    assert page.locator("[data-testid=clip][data-shot=r]").get_attribute("data-length") == "48", "the clip keeps its frames"
    wait_saved(page)
    assert server_shots(base, pid)["r"]["fps"] == 24
    page.keyboard.press("Control+z")  # an ordinary edit
    page.wait_for_function(f"{STATE}.shots.r.fps === 12")

    # The inspector is grouped for a filmmaker; Advanced starts folded.
    for group in ("group-story", "group-camera", "group-generation", "group-advanced", "group-takes"):
        assert page.get_by_test_id(group).is_visible(), group
    assert page.get_by_test_id("group-camera").locator("h4").inner_text().lower() == "camera and framing"
    advanced = page.get_by_test_id("group-advanced")
    assert advanced.evaluate("d => d.open") is False and not page.get_by_label("Steps").is_visible()
    advanced.locator("summary").click()
    assert page.get_by_label("Steps").is_visible() and page.get_by_label("Negative prompt").is_visible()
