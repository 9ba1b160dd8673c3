"""The Mask editor in Chromium against a real studio and a real segmentation service (draft engine):
click the object on a still, see the overlay, grow it, inpaint, see the new still; on a frame of a
clip: select, track through the clip, see the mask over the player, inpaint the shot's first frame."""

from __future__ import annotations

import io
import json

import httpx
import numpy as np
import pytest
from PIL import Image

from milimo.media import encode_video, iter_frames
from tests.conftest import ServerProcess
from tests.sam_service.conftest import SamProcess
from tests.sam_service.synthetic import iou, moving_square, scene_with_object
from tests.state import state_shots
from tests.web.conftest import _require_browser, csp_page, shot, until
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


@pytest.fixture
def studio_with_sam(tmp_path):
    _require_browser()
    data = tmp_path / "data"
    data.mkdir()
    sam = SamProcess(data, {"MILIMO_SEGMENT_ENGINE": "draft"}).start()
    studio = ServerProcess(
        data,
        env={
            "MILIMO_VIDEO_ENGINE": "draft",
            "MILIMO_IMAGE_ENGINE": "draft",
            "MILIMO_TEXT_ENGINE": "draft",
            "MILIMO_INPAINT_ENGINE": "draft",
            "MILIMO_SAM_URL": sam.url,
        },
    )
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
    still = httpx.post(
        f"{base}/upload", data={"project_id": pid}, files={"file": ("plate.png", buf.getvalue(), "image/png")}
    ).json()
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

    # The grown mask went up as a mask, not a still: the reference pickers offer the plate and the
    # new still, never a mask.
    masks = {m["id"] for m in httpx.get(f"{base}/projects/{pid}/assets", params={"kind": "mask"}).json()}
    assert len(masks) == 2  # SAM's selection and the grown mask the inpaint used
    for mask_id in masks:  # the library says what they are
        assert page.locator(f"[data-testid=asset][data-asset='{mask_id}'] .asset-type").inner_text().lower() == "mask"
    page.get_by_role("button", name="Close").click()  # the mask editor
    page.get_by_test_id("open-images").click()
    view = page.get_by_test_id("images-view")
    view.get_by_test_id("pick-images").locator("summary").click()
    picks = view.locator("[data-testid=pick-image]")
    assert {picks.nth(i).get_attribute("data-asset") for i in range(picks.count())} == {still["id"], new_id}
    shot(page, "mask-editor-picker-without-masks")
    assert not page.errors


def _clip_project(base: str, tmp_path) -> tuple[str, dict, list]:
    """A project whose one shot shows an uploaded clip of a red square sliding right and down (48 frames, 24 fps)."""
    frames, truths = moving_square()
    path = tmp_path / "square.mp4"
    h, w = frames[0].shape[:2]
    encode_video(iter(frames), path, fps=24, width=w, height=h, crf=12)
    p = httpx.post(f"{base}/projects", json={"name": "Tracking", "resolution_w": 320, "resolution_h": 192, "fps": 24}).json()
    clip = httpx.post(
        f"{base}/upload", data={"project_id": p["id"]}, files={"file": ("square.mp4", path.read_bytes(), "video/mp4")}
    ).json()
    shots = [{"id": "s1", "prompt": "a red square slides across", "num_frames": 48, "media_asset_id": clip["id"]}]
    httpx.put(f"{base}/projects/{p['id']}/save", json={"base_version": p["version"], "shots": shots}).raise_for_status()
    return p["id"], clip, truths


def test_mask_a_clip_frame_track_it_see_it_on_the_player_and_inpaint_the_first_frame(page, studio_with_sam, tmp_path):
    base = studio_with_sam.url
    pid, clip, truths = _clip_project(base, tmp_path)
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{pid}')")
    page.goto(base + "/")
    page.wait_for_function(f"{STATE}.projectId === '{pid}' && {STATE}.assets.length === 1 && {STATE}.takes.s1?.video_url")
    page.wait_for_selector("[data-testid=sam-status][data-state=draft]")

    page.locator("[data-testid=clip][data-shot=s1]").click()
    page.evaluate("window.__milimo.store.setState({ frame: 0 })")
    for _ in range(10):
        page.get_by_role("button", name="Forward one frame").click()
    page.wait_for_selector("[data-testid=timecode][data-frame='10']")
    page.click("[data-testid=mask-frame]")

    # The editor opens on frame 10 of the clip, taken as a still of the project
    stage = page.locator("[data-testid=mask-stage]")
    stage.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=mask-stage] img').naturalWidth === 192")
    assert "frame 10 of square.mp4" in page.locator("[data-testid=mask-editor] h3").inner_text()
    frames = httpx.get(f"{base}/projects/{pid}/assets", params={"kind": "frame"}).json()
    assert len(frames) == 1 and frames[0]["meta"]["source_asset_id"] == clip["id"] and frames[0]["meta"]["frame_index"] == 10

    # Click the square (frame 10: x 35..71, y 24..60 of 192 x 144)
    box = stage.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 53 / 192, box["y"] + box["height"] * 42 / 144)
    page.wait_for_function("Number(document.querySelector('[data-testid=mask-overlay]').dataset.area) > 0")
    selected = int(page.locator("[data-testid=mask-overlay]").get_attribute("data-area"))
    assert abs(selected - truths[10].sum()) / truths[10].sum() < 0.25, selected
    shot(page, "mask-clip-frame-selected")

    # Track forward: the progress counts the frames as the stream arrives
    page.evaluate("""() => { window.__seen = []; new MutationObserver(() => {
        const c = document.querySelector('[data-testid=track-count]'); if (c) window.__seen.push(Number(c.dataset.done));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true }); }""")
    page.select_option("[data-testid=track-direction]", "forward")
    page.click("[data-testid=track]")
    page.locator("[data-testid=track-result]").wait_for(timeout=60_000)
    count = page.locator("[data-testid=track-count]")
    assert (count.get_attribute("data-done"), count.get_attribute("data-total")) == ("38", "38")
    seen = page.evaluate("window.__seen")
    assert seen[0] == 0 and seen[-1] == 38 and seen == sorted(seen), seen
    assert len(set(seen)) >= 3, seen  # read as it streams: it moved through frames between none and all
    shot(page, "mask-clip-tracked")
    seq_id = page.locator("[data-testid=track-result]").get_attribute("data-asset")
    seq = httpx.get(f"{base}/assets/{seq_id}").json()
    assert seq["kind"] == "mask_sequence" and seq["num_frames"] == 38
    assert seq["meta"]["source_asset_id"] == clip["id"] and seq["meta"]["first_frame"] == 10
    manifest = httpx.get(base + seq["url"]).json()
    folder = seq["url"].rsplit("/", 1)[0]
    ious = []
    for f in manifest["frames"][::6]:
        m = np.asarray(Image.open(io.BytesIO(httpx.get(f"{base}{folder}/{f['masks']['1']}").content)).convert("L")) > 127
        ious.append(iou(m, truths[f["frame_idx"]]))
    assert np.mean(ious) >= 0.7, ious
    page.wait_for_selector(f"[data-testid=asset][data-asset='{seq_id}']")

    # Inpaint the frame, and use the result as the shot's first frame
    page.fill("[data-testid=inpaint-prompt]", "an empty background")
    page.click("[data-testid=inpaint]")
    result = page.locator("[data-testid=inpaint-result]")
    result.wait_for(timeout=60_000)
    new_id = result.get_attribute("data-asset")
    page.click("[data-testid=use-first-frame]")
    page.wait_for_selector("[data-testid=first-frame-done]")
    shot(page, "mask-clip-inpainted")
    page.wait_for_function(f"{STATE}.saveState === 'saved' && {STATE}.shots.s1.timeline.length === 1", timeout=15_000)
    on_server = next(s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json()) if s["id"] == "s1")
    assert [(i["asset_id"], i["frame_index"], i["type"]) for i in on_server["timeline"]] == [(new_id, 0, "image")]
    assert httpx.get(f"{base}/assets/{new_id}").json()["kind"] == "inpaint"

    # Inpaint the clip through the tracked sequence: progress in the editor, the new video in the library
    page.evaluate("""() => { window.__clip = []; new MutationObserver(() => {
        const b = document.querySelector('[data-testid=clip-inpaint-progress]'); if (b) window.__clip.push(Number(b.getAttribute('aria-valuenow')));
      }).observe(document.body, { subtree: true, childList: true, attributes: true }); }""")
    page.click("[data-testid=inpaint-clip]")
    page.wait_for_selector("[data-testid=clip-inpaint][data-status=completed]", timeout=60_000)
    video_id = page.locator("[data-testid=clip-inpaint]").get_attribute("data-asset")
    seen = page.evaluate("window.__clip")
    assert seen and seen[-1] == 100 and seen == sorted(seen), seen
    page.wait_for_selector(f"[data-testid=asset][data-asset='{video_id}']")
    video = httpx.get(f"{base}/assets/{video_id}").json()
    assert video["kind"] == "inpaint" and video["media_type"] == "video" and video["num_frames"] == 48 and video["fps"] == 24
    assert video["meta"]["mask_sequence_id"] == seq_id and video["meta"]["source_asset_id"] == clip["id"]
    assert video["meta"]["frames_inpainted"] == 38 and video["meta"]["prompt"] == "an empty background"
    shot(page, "mask-clip-inpainted-clip")

    # Close the editor: the tracked mask lies over the player and follows the playhead
    page.get_by_role("button", name="Close").click()
    overlay = page.locator("[data-testid=track-overlay]")
    page.wait_for_function(
        "document.querySelector('[data-testid=track-overlay]')?.dataset.drawn?.endsWith('frame_00010_obj_1.png')"
    )
    assert overlay.get_attribute("data-frame") == "10"
    for _ in range(10):
        page.get_by_role("button", name="Forward one frame").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=track-overlay]').dataset.drawn.endsWith('frame_00020_obj_1.png')"
    )
    assert abs(int(overlay.get_attribute("data-area")) - truths[20].sum()) / truths[20].sum() < 0.3
    shot(page, "mask-clip-overlay-on-player")
    page.get_by_role("button", name="Hide the tracked mask").click()
    assert overlay.count() == 0
    page.locator(f"[data-testid=asset][data-asset='{seq_id}']").hover()
    page.click(f"[data-asset='{seq_id}'] [data-testid=show-track]")
    page.wait_for_function(
        "document.querySelector('[data-testid=track-overlay]')?.dataset.drawn?.endsWith('frame_00020_obj_1.png')"
    )

    # The inpainted clip becomes the shot's take from the library
    card = page.locator(f"[data-testid=asset][data-asset='{video_id}']")
    card.hover()
    card.locator("[data-testid=use-as-take]").click()
    page.wait_for_function(f"{STATE}.shots.s1.media_asset_id === '{video_id}'")
    shot(page, "mask-clip-inpainted-take")
    assert not page.errors


def _track_square(base: str, pid: str, clip_id: str, truth: np.ndarray) -> dict:
    """Track the square from a box on frame 0 through the clip, as the editor's Track does: the mask_sequence asset."""
    sid = httpx.post(f"{base}/edit/track/start", json={"project_id": pid, "asset_id": clip_id}, timeout=30).json()["session_id"]
    ys, xs = np.nonzero(truth)
    box = [int(xs.min()) - 3, int(ys.min()) - 3, int(xs.max()) + 4, int(ys.max()) + 4]
    httpx.post(
        f"{base}/edit/track/prompt", json={"project_id": pid, "session_id": sid, "box": box}, timeout=30
    ).raise_for_status()
    with httpx.stream("POST", f"{base}/edit/track/propagate", json={"project_id": pid, "session_id": sid}, timeout=60) as resp:
        last = [line for line in resp.iter_lines() if line][-1]
    httpx.post(f"{base}/edit/track/stop", json={"project_id": pid, "session_id": sid})
    return json.loads(last)["asset"]


def test_a_clip_inpaint_running_across_a_reload_comes_back_in_the_jobs_area_and_finishes(page, studio_with_sam, tmp_path):
    base = studio_with_sam.url
    pid, clip, truths = _clip_project(base, tmp_path)
    seq = _track_square(base, pid, clip["id"], truths[0])
    # A long generation holds the studio's one slot, so the clip inpaint waits in the queue across the reload.
    blocker = httpx.post(
        f"{base}/generate/advanced",
        json={
            "project_id": pid,
            "shot_config": {
                "id": "s2",
                "prompt": "a long slow pan over the harbour",
                "num_frames": 481,
                "width": 768,
                "height": 512,
                "fps": 24,
                "enhance_prompt": False,
            },
        },
        timeout=30,
    ).json()["job_id"]
    queued = httpx.post(
        f"{base}/edit/inpaint-clip", json={"project_id": pid, "mask_sequence": seq["id"], "prompt": "an empty wall"}
    )
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job_id"]
    assert httpx.get(f"{base}/status/{job_id}").json()["status"] == "pending"

    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{pid}')")
    page.goto(base + "/")
    page.wait_for_function(f"{STATE}.projectId === '{pid}'")
    page.wait_for_selector("[data-testid=jobs-button]:has-text('2 running')")  # the blocker's shot and the clip inpaint
    page.get_by_test_id("jobs-button").click()
    row = page.locator("[data-testid=job-row]", has_text="Inpaint clip: an empty wall")
    row.wait_for()
    assert "Queued" in row.inner_text()
    shot(page, "clip-inpaint-recovered-after-reload")

    page.reload()  # and again, now that it is known: still one row, not two
    page.wait_for_selector("[data-testid=jobs-button]:has-text('2 running')")
    httpx.post(f"{base}/jobs/{blocker}/cancel").raise_for_status()
    page.wait_for_selector("[data-testid=jobs-button]:has-text('Idle')", timeout=60_000)
    done = httpx.get(f"{base}/status/{job_id}").json()
    assert done["status"] == "completed" and done["asset_id"], done
    page.wait_for_selector(f"[data-testid=asset][data-asset='{done['asset_id']}']")  # the new video in the library
    assert not page.errors


def test_a_tracked_mask_becomes_a_matte_clip_to_download_for_an_editor(page, studio_with_sam, tmp_path):
    base = studio_with_sam.url
    pid, clip, truths = _clip_project(base, tmp_path)
    seq = _track_square(base, pid, clip["id"], truths[0])
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{pid}')")
    page.goto(base + "/")
    card = page.locator(f"[data-testid=asset][data-asset='{seq['id']}']")
    card.hover()
    card.get_by_test_id("export-matte").click()
    page.wait_for_function(f"{STATE}.assets.some(a => a.kind === 'matte')", timeout=30_000)
    matte = page.evaluate(f"{STATE}.assets.find(a => a.kind === 'matte')")
    assert matte["meta"]["mask_sequence_id"] == seq["id"] and matte["num_frames"] == 48
    matte_card = page.locator(f"[data-testid=asset][data-asset='{matte['id']}']")
    assert matte_card.locator(".asset-type").inner_text().lower() == "matte"
    assert matte_card.get_by_test_id("use-as-take").count() == 0  # a matte is for an editor, not a take
    matte_card.hover()
    shot(page, "matte-in-library")
    with page.expect_download() as dl:
        matte_card.get_by_test_id("download-matte").click()
    saved = tmp_path / "matte.mp4"
    dl.value.save_as(saved)
    frames = list(iter_frames(saved))
    assert len(frames) == 48
    white = frames[20].mean(axis=2) > 127
    assert iou(white, truths[20]) > 0.7  # the square where the clip has it
    assert not page.errors


def test_under_the_enforced_csp_the_player_plays_and_the_mask_editor_selects(browser, studio_with_sam, tmp_path):
    """The shared page bypasses the CSP; this one enforces it, and counts every violation the page reports
    (securitypolicyviolation events and the console's "Content Security Policy" messages)."""
    base = studio_with_sam.url
    pid, _, truths = _clip_project(base, tmp_path)
    with csp_page(browser, pid) as (page, problems):
        response = page.goto(base + "/")
        assert "script-src 'self';" in response.headers["content-security-policy"]  # enforced, no eval
        page.wait_for_selector("[data-testid=connection][data-state=live]")
        page.wait_for_selector("[data-testid=sam-status][data-state=draft]")

        # Play the clip: the player's video (a media URL of the project) advances
        page.locator("[data-testid=clip][data-shot=s1]").click()
        page.get_by_role("button", name="Play", exact=True).click()
        until(page, "[...document.querySelectorAll('video')].some(v => !v.paused && v.currentTime > 0.2)")
        shot(page, "csp-playing")
        page.get_by_role("button", name="Pause", exact=True).click()

        # The mask editor on a frame of the clip: the frame as a still, a click, the mask overlaid
        page.evaluate("window.__milimo.store.setState({ frame: 10 })")
        page.wait_for_selector("[data-testid=timecode][data-frame='10']")
        page.click("[data-testid=mask-frame]")
        page.locator("[data-testid=mask-stage]").wait_for()
        until(page, "document.querySelector('[data-testid=mask-stage] img')?.naturalWidth === 192")
        box = page.locator("[data-testid=mask-stage]").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 53 / 192, box["y"] + box["height"] * 42 / 144)
        area = until(page, "Number(document.querySelector('[data-testid=mask-overlay]')?.dataset.area)")
        assert abs(area - truths[10].sum()) / truths[10].sum() < 0.25, area
        shot(page, "csp-mask-selected")
        violations, errors = problems()
        assert violations == [] and errors == [], (violations, errors)
