"""The Mask editor in Chromium against a real studio and a real segmentation service (draft engine):
click the object on a still, see the overlay, grow it, inpaint, see the new still."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.conftest import ServerProcess
from tests.sam_service.conftest import SamProcess
from tests.sam_service.synthetic import iou, scene_with_object
from tests.web.conftest import _require_browser, shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


@pytest.fixture
def studio_with_sam(tmp_path):
    _require_browser()
    data = tmp_path / "data"
    data.mkdir()
    sam = SamProcess(data, {"MILIMO_SEGMENT_ENGINE": "draft"}).start()
    studio = ServerProcess(data, env={"MILIMO_VIDEO_ENGINE": "draft", "MILIMO_IMAGE_ENGINE": "draft", "MILIMO_TEXT_ENGINE": "draft",
                                      "MILIMO_INPAINT_ENGINE": "draft", "MILIMO_SAM_URL": sam.url})
    studio.start()
    yield studio
    studio.stop()
    sam.stop()


def test_click_on_a_still_overlay_grow_and_inpaint_a_new_still(page, studio_with_sam):
    base = studio_with_sam.url
    pid, _ = open_project(page, base, [], name="Masks")
    img, truth = scene_with_object()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    still = httpx.post(f"{base}/upload", data={"project_id": pid}, files={"file": ("plate.png", buf.getvalue(), "image/png")}).json()
    page.evaluate("window.__milimo.store.getState().projectId")  # the library refreshes on focus of the page
    page.reload()
    page.wait_for_function(f"{STATE}.assets.length === 1")
    page.wait_for_selector("[data-testid=sam-status][data-state=draft]")

    card = page.locator(f"[data-asset='{still['id']}']")
    card.hover()
    card.locator("[data-testid=open-mask]").click()
    stage = page.locator("[data-testid=mask-stage]")
    stage.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=mask-stage] img').naturalWidth > 0")
    box = stage.bounding_box()
    # click the middle of the orange object (image pixels 176, 120 of 320 x 240)
    page.mouse.click(box["x"] + box["width"] * 176 / 320, box["y"] + box["height"] * 120 / 240)
    overlay = page.locator("[data-testid=mask-overlay]")
    page.wait_for_function("Number(document.querySelector('[data-testid=mask-overlay]').dataset.area) > 0")
    selected = int(overlay.get_attribute("data-area"))
    assert abs(selected - truth.sum()) / truth.sum() < 0.2
    shot(page, "mask-editor-selected")

    masks = httpx.get(f"{base}/projects/{pid}/assets", params={"kind": "mask"}).json()
    assert len(masks) == 1
    served = np.asarray(Image.open(io.BytesIO(httpx.get(base + masks[0]["url"]).content)).convert("L")) > 127
    assert iou(served, truth) >= 0.8

    page.get_by_role("button", name="Grow").click()
    page.wait_for_function(f"Number(document.querySelector('[data-testid=mask-overlay]').dataset.area) > {selected}")

    page.fill("[data-testid=inpaint-prompt]", "an empty table")
    page.click("[data-testid=inpaint]")
    result = page.locator("[data-testid=inpaint-result]")
    result.wait_for(timeout=60_000)
    new_id = result.get_attribute("data-asset")
    page.wait_for_function(f"{STATE}.assets.some(a => a.id === '{new_id}')")
    shot(page, "mask-editor-inpainted")
    asset = httpx.get(f"{base}/assets/{new_id}").json()
    assert asset["kind"] == "inpaint" and asset["url"].startswith(f"/projects/{pid}/generated/")
    out = np.asarray(Image.open(io.BytesIO(httpx.get(base + asset["url"]).content)).convert("RGB")).astype(int)
    inside = out[truth]
    assert np.abs(inside - np.array([225, 120, 40])).sum(axis=1).mean() > 60  # the orange object is painted over
    assert not page.errors
