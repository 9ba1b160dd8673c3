"""Elements and the Images view in a real browser against a real server: create an element with an
uploaded image, type "@" in a prompt and pick it, generate a still with it as a reference, and use
the still as a shot's first frame; edit an element (a taken trigger refused in place), remove and pick
references, Visualize, delete after asking, and page the gallery past its first 60 stills."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from tests.state import state_shots
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
    panel.get_by_test_id("element-upload").set_input_files(
        [{"name": "mara.png", "mimeType": "image/png", "buffer": png((20, 220, 60))}]
    )
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
    page.wait_for_function(
        f"{STATE}.shots.s1.prompt === 'A close-up of @MaraVale ' && {STATE}.saveState === 'saved'", timeout=10_000
    )

    # 2b. Generate still first: the shot's own bar shows the still being made, then the video, never "Queued" throughout
    page.evaluate(
        "() => { window.__seen = []; window.__milimo.store.subscribe((s) => { const j = s.jobs.s1;"
        " if (j) window.__seen.push([j.message, j.progress, j.status]); }); }"
    )
    page.get_by_test_id("generate").click()
    page.wait_for_function(f"{STATE}.jobs.s1?.status === 'completed'", timeout=60_000)
    seen = page.evaluate("window.__seen")
    messages = [m for m, _, _ in seen]
    assert any(m.startswith("Still: ") for m in messages), messages
    assert "Still ready; animating it…" in messages, messages
    assert [p for _, p, _ in seen] == sorted(p for _, p, _ in seen), "the bar never goes backwards"
    done = {s["id"]: s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json())}["s1"]
    assert done.get("keyframe_asset_id") and done.get("video_url"), done

    # 3. a still with the element as its reference
    page.get_by_test_id("open-images").click()
    view = page.get_by_test_id("images-view")
    box = view.get_by_test_id("image-prompt")
    box.click()
    box.press_sequentially("@Mar")
    view.get_by_test_id("trigger-option").first.click()
    box.press_sequentially("at the hangar door, dawn")
    view.get_by_label("Seed").fill("7")
    keyframes = [i["id"] for i in httpx.get(f"{base}/projects/{pid}/images").json()["items"]]  # 2b's still
    view.get_by_test_id("generate-image").click()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=still]').length === {len(keyframes) + 1}", timeout=30_000)
    [still] = [i for i in httpx.get(f"{base}/projects/{pid}/images").json()["items"] if i["id"] not in keyframes]
    assert still["meta"]["references"] == [element["images"][0]["asset_id"]] and still["meta"]["seed"] == 7
    assert still["meta"]["prompt"] == "@MaraVale at the hangar door, dawn"
    assert view.get_by_test_id("still").first.get_by_test_id("engine-badge").inner_text() == "DRAFT"
    shot(page, "images-view")

    # 4. the still as the selected shot's first frame
    view.get_by_test_id("still-first-frame").first.click()
    page.wait_for_function(f"{STATE}.shots.s1.timeline.length === 1 && {STATE}.saveState === 'saved'", timeout=10_000)
    server = {s["id"]: s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json())}
    assert server["s1"]["timeline"][0]["asset_id"] == still["id"] and server["s1"]["timeline"][0]["frame_index"] == 0
    page.keyboard.press("Escape")
    # Its frame 0 is the still now: still first cannot apply, and the Inspector says so instead of "(auto)".
    page.locator("[data-testid=clip][data-shot=s1]").click()
    toggle = page.get_by_test_id("still-first-toggle")
    assert not page.get_by_test_id("still-first").is_checked() and page.get_by_test_id("still-first").is_disabled()
    assert "(auto)" not in toggle.inner_text() and "frame 0" in toggle.get_attribute("title")
    shot(page, "shot-first-frame")

    # 5. a new still, deleted from the gallery: asked first, gone from disk and the gallery after "Delete" only
    page.get_by_test_id("open-images").click()
    before = [i["id"] for i in httpx.get(f"{base}/projects/{pid}/images").json()["items"]]
    page.wait_for_function(f"document.querySelectorAll('[data-testid=still]').length === {len(before)}", timeout=10_000)
    view.get_by_label("Seed").fill("8")
    view.get_by_test_id("generate-image").click()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=still]').length === {len(before) + 1}", timeout=30_000)
    newest = view.get_by_test_id("still").first
    doomed = newest.get_attribute("data-asset")
    assert doomed not in before
    newest.get_by_role("button", name="Delete still").click()
    dialog = page.locator("[role=alertdialog]")
    assert "undo cannot bring it back" in dialog.inner_text()
    page.wait_for_timeout(1000)  # the gallery must not drop the still on its own while the question is open
    assert view.get_by_test_id("still").count() == len(before) + 1
    dialog.get_by_role("button", name="Delete").click()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=still]').length === {len(before)}", timeout=10_000)
    assert [i["id"] for i in httpx.get(f"{base}/projects/{pid}/images").json()["items"]] == before
    assert httpx.get(f"{base}/assets/{doomed}").status_code == 404
    assert not page.errors


def upload(base: str, pid: str, colour, kind: str, name: str) -> dict:
    r = httpx.post(f"{base}/upload", data={"project_id": pid, "kind": kind}, files={"file": (name, png(colour), "image/png")})
    r.raise_for_status()
    return r.json()


def test_edit_visualize_unreference_and_delete_an_element(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [{"id": "s1", "prompt": "", "num_frames": 49}])
    front, side = (
        upload(base, pid, (200, 40, 40), "element", "front.png"),
        upload(base, pid, (40, 40, 200), "element", "side.png"),
    )
    plate = upload(base, pid, (240, 240, 40), "general", "plate.png")  # an upload, not a still: the pickers offer it too
    mara = httpx.post(
        f"{base}/projects/{pid}/elements",
        json={"name": "Mara", "description": "a pilot", "image_asset_ids": [front["id"], side["id"]]},
    ).json()
    httpx.post(f"{base}/projects/{pid}/elements", json={"name": "Jonah"}).raise_for_status()
    page.get_by_test_id("open-elements").click()
    panel = page.get_by_test_id("elements-panel")
    card = panel.locator(f'[data-testid=element-card][data-element="{mara["id"]}"]')
    card.get_by_test_id("element-image").nth(1).wait_for()

    # 1. edit: another element's trigger is refused in place (nothing changes), then a new trigger and description save
    card.get_by_role("button", name="Edit Mara").click()
    form = card.get_by_test_id("element-edit")
    form.get_by_label("Trigger word").fill("@JONAH")
    form.get_by_test_id("save-element").click()
    error = form.get_by_test_id("element-error")
    error.wait_for()
    assert "already used by element 'Jonah'" in error.inner_text()
    assert form.get_by_label("Trigger word").get_attribute("aria-invalid") == "true"
    shot(page, "element-edit-duplicate-trigger")
    assert httpx.get(f"{base}/elements/{mara['id']}").json()["trigger_word"] == "@Mara"
    form.get_by_label("Trigger word").fill("@Captain")
    assert form.get_by_test_id("element-error").count() == 0  # the message goes with the next keystroke
    form.get_by_label("Element description").fill("a red-haired pilot in a green flight jacket")
    form.get_by_label("Element type").select_option("object")
    form.get_by_test_id("save-element").click()
    form.wait_for(state="detached")
    got = httpx.get(f"{base}/elements/{mara['id']}").json()
    assert (got["trigger_word"], got["description"], got["type"]) == (
        "@Captain",
        "a red-haired pilot in a green flight jacket",
        "object",
    )
    assert card.locator("code.trigger").inner_text() == "@Captain"

    # 2. remove one reference: the element loses it, the image stays in the project
    card.get_by_role("button", name="Remove reference 2 of Mara").click()
    page.wait_for_function(
        f"document.querySelectorAll('[data-element=\"{mara['id']}\"] [data-testid=element-image]').length === 1"
    )
    assert [i["asset_id"] for i in httpx.get(f"{base}/elements/{mara['id']}").json()["images"]] == [front["id"]]
    assert httpx.get(f"{base}/assets/{side['id']}").status_code == 200

    # 3. pick an uploaded project image as a reference of the existing element
    card.get_by_test_id("pick-images").locator("summary").click()
    card.locator(f'[data-testid=pick-image][data-asset="{plate["id"]}"]').click()
    page.wait_for_function(
        f"document.querySelectorAll('[data-element=\"{mara['id']}\"] [data-testid=element-image]').length === 2"
    )
    assert [i["asset_id"] for i in httpx.get(f"{base}/elements/{mara['id']}").json()["images"]] == [front["id"], plate["id"]]

    # 4. Visualize: the card shows the job's progress, then the new reference, badged DRAFT
    page.evaluate(
        "() => { window.__vis = []; window.__milimo.elements.subscribe((s) => { for (const j of Object.values(s.jobs))"
        " if (j.element_id) window.__vis.push([j.status, j.progress]); }); }"
    )
    card.get_by_role("button", name="Visualize Mara").click()
    page.wait_for_function(
        f"document.querySelectorAll('[data-element=\"{mara['id']}\"] [data-testid=element-image]').length === 3", timeout=30_000
    )
    seen = page.evaluate("window.__vis")
    assert seen and seen[0][0] == "queued" and any(s == "processing" and p > 0 for s, p in seen), seen
    images = httpx.get(f"{base}/elements/{mara['id']}").json()["images"]
    assert images[2]["engine"] == "draft" and card.locator("figure").nth(2).get_by_test_id("engine-badge").inner_text() == "DRAFT"
    assert card.get_by_test_id("visualize-job").count() == 0
    shot(page, "element-visualized")

    # 5. delete asks first; Cancel keeps it, Delete removes it
    jonah = panel.locator("[data-testid=element-card]", has_text="Jonah")
    jonah.get_by_role("button", name="Delete Jonah").click()
    dialog = page.locator("[role=alertdialog]")
    assert "Delete Jonah (@Jonah)?" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert len(httpx.get(f"{base}/projects/{pid}/elements").json()) == 2
    jonah.get_by_role("button", name="Delete Jonah").click()
    dialog.get_by_role("button", name="Delete").click()
    jonah.wait_for(state="detached")
    assert [e["name"] for e in httpx.get(f"{base}/projects/{pid}/elements").json()] == ["Mara"]
    page.keyboard.press("Escape")

    # 6. the Images view: every project image as a reference; "Load more" past the first 60 stills
    for n in range(61):
        httpx.post(
            f"{base}/generate/image",
            json={"project_id": pid, "prompt": f"frame {n}", "width": 64, "height": 64, "num_inference_steps": 1},
        ).raise_for_status()
    deadline = time.monotonic() + 60
    while httpx.get(f"{base}/projects/{pid}/images?limit=1").json()["total"] < 62:  # 61 + the visual
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page.get_by_test_id("open-images").click()
    view = page.get_by_test_id("images-view")
    page.wait_for_function("document.querySelectorAll('[data-testid=still]').length === 60")
    view.get_by_test_id("pick-images").locator("summary").click()
    assert view.locator(f'[data-testid=pick-image][data-asset="{plate["id"]}"]').count() == 1
    view.get_by_test_id("load-more-stills").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=still]').length === 62")
    assert view.get_by_test_id("load-more-stills").count() == 0
    assert not page.errors
