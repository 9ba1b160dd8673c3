"""Elements and the Images view in a real browser against a real server: create an element with an
uploaded image, type "@" in a prompt and pick it, generate a still with it as a reference, and use
the still as a shot's first frame."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


def png(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 120), colour).save(buf, "PNG")
    return buf.getvalue()


def test_element_to_reference_still_to_first_frame(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [{"id": "s1", "prompt": "", "num_frames": 49}])

    # 1. an element with an uploaded image
    page.get_by_test_id("open-elements").click()
    panel = page.get_by_test_id("elements-panel")
    panel.get_by_label("Element name").fill("Mara Vale")
    panel.get_by_label("Element description").fill("a red-haired pilot in a green flight jacket")
    assert panel.get_by_label("Trigger word").get_attribute("placeholder") == "@MaraVale"
    panel.get_by_test_id("element-upload").set_input_files([{"name": "mara.png", "mimeType": "image/png", "buffer": png((20, 220, 60))}])
    panel.get_by_test_id("create-element").click()
    card = panel.get_by_test_id("element-card")
    card.get_by_test_id("element-image").wait_for()
    [element] = httpx.get(f"{base}/projects/{pid}/elements").json()
    assert element["trigger_word"] == "@MaraVale" and len(element["images"]) == 1
    shot(page, "elements-panel")
    page.keyboard.press("Escape")

    # 2. "@" in the shot's prompt offers it; Enter picks it; the chip shows on the shot
    page.locator("[data-testid=clip][data-shot=s1]").click()
    prompt = page.get_by_test_id("shot-prompt")
    prompt.click()
    prompt.press_sequentially("A close-up of @Ma")
    page.get_by_test_id("trigger-menu").wait_for()
    assert page.get_by_test_id("trigger-option").first.inner_text().startswith("@MaraVale")
    shot(page, "trigger-autocomplete")
    prompt.press("Enter")
    assert prompt.input_value() == "A close-up of @MaraVale "
    page.locator("[data-testid=inspector] [data-testid=element-chip]").wait_for()
    assert page.get_by_test_id("still-first").is_checked()  # auto: its element has an image
    page.wait_for_function(f"{STATE}.shots.s1.prompt === 'A close-up of @MaraVale ' && {STATE}.saveState === 'saved'", timeout=10_000)

    # 3. a still with the element as its reference
    page.get_by_test_id("open-images").click()
    view = page.get_by_test_id("images-view")
    box = view.get_by_test_id("image-prompt")
    box.click()
    box.press_sequentially("@Mar")
    view.get_by_test_id("trigger-option").first.click()
    box.press_sequentially("at the hangar door, dawn")
    view.get_by_label("Seed").fill("7")
    view.get_by_test_id("generate-image").click()
    view.get_by_test_id("still").first.wait_for(timeout=30_000)
    [still] = httpx.get(f"{base}/projects/{pid}/images").json()["items"]
    assert still["meta"]["references"] == [element["images"][0]["asset_id"]] and still["meta"]["seed"] == 7
    assert still["meta"]["prompt"] == "@MaraVale at the hangar door, dawn"
    assert view.get_by_test_id("still").first.get_by_test_id("engine-badge").inner_text() == "DRAFT"
    shot(page, "images-view")

    # 4. the still as the selected shot's first frame
    view.get_by_test_id("still-first-frame").first.click()
    page.wait_for_function(f"{STATE}.shots.s1.timeline.length === 1 && {STATE}.saveState === 'saved'", timeout=10_000)
    server = {s["id"]: s for s in httpx.get(f"{base}/projects/{pid}").json()["shots"]}
    assert server["s1"]["timeline"][0]["asset_id"] == still["id"] and server["s1"]["timeline"][0]["frame_index"] == 0
    page.keyboard.press("Escape")
    shot(page, "shot-first-frame")
    assert not page.errors
