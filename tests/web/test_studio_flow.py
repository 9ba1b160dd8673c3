"""The studio in a real browser against a real server with the draft engines (issue 6):
create a project → add a shot → generate → watch progress → the video plays → trim, split,
undo → reload → everything intact."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import shot

pytestmark = pytest.mark.browser

STATE = "window.__milimo.store.getState()"


def store(page, expr: str):
    return page.evaluate(f"(() => {{ const s = {STATE}; return {expr}; }})()")


def clips(page) -> list[dict]:
    return page.eval_on_selector_all(
        "[data-testid=clip]", "els => els.map(e => ({id: e.dataset.shot, start: +e.dataset.start, length: +e.dataset.length}))"
    )


def test_create_generate_play_trim_split_undo_reload(page, studio_server):
    base = studio_server.url
    page.goto(base + "/")
    # No last project: the project manager opens.
    page.get_by_label("New project name").fill("Lighthouse")
    page.get_by_role("button", name="Create").click()
    page.wait_for_function(f"{STATE}.projectId !== null")
    project_id = store(page, "s.projectId")
    page.wait_for_selector("[data-testid=connection][data-state=live]")

    # Add a shot, write its prompt, ask for 30 frames (the engine makes 8k+1: 33).
    page.get_by_test_id("add-shot").click()
    page.get_by_label("Prompt", exact=True).fill("A lighthouse keeper climbs the spiral stairs at dusk")
    page.get_by_label("Frames").fill("30")
    page.get_by_label("Frames").press("Enter")
    # The grid comes from GET /engines (the draft engine's): the hint names it.
    assert "the video engine (draft) makes 8k+1 frames, so 30 becomes 33" in page.get_by_test_id("inspector").inner_text()
    page.get_by_label("Width").fill("320")
    page.get_by_label("Width").press("Enter")
    page.get_by_label("Height").fill("192")
    page.get_by_label("Height").press("Enter")
    shot(page, "01-shot-added")

    # Record every job status the store goes through, then generate.
    page.evaluate("""() => { window.__seen = []; window.__milimo.store.subscribe((s) => {
        for (const j of Object.values(s.jobs)) { const k = j.status + ':' + Math.round(j.progress);
          if (window.__seen[window.__seen.length - 1] !== k) window.__seen.push(k); } }); }""")
    page.get_by_test_id("generate").click()
    page.wait_for_selector("[data-testid=job-status][data-status=completed]", timeout=60_000)
    seen = page.evaluate("window.__seen")
    assert any(k.startswith("processing") for k in seen), seen
    assert seen[-1].startswith("completed:100"), seen
    shot(page, "02-generated")
    # The server snapped 30 → 33 frames and said so; the draft is badged as a draft.
    assert "33" in page.get_by_test_id("adjustments").inner_text()
    assert page.locator("[data-testid=job-status] [data-testid=engine-badge]").get_attribute("data-engine") == "draft"
    assert page.locator(".clip.is-draft").count() == 1
    [c] = clips(page)
    assert c["length"] == 33

    # The video plays: the playhead advances and the video element's clock runs.
    page.get_by_test_id("play").click()
    page.wait_for_function(f"{STATE}.frame >= 8", timeout=10_000)
    page.wait_for_function(
        "(() => { const v = document.querySelector('video.media:not(.hidden)'); return v && v.readyState >= 2 && v.currentTime > 0.1; })()",
        timeout=10_000,
    )
    shot(page, "03-playing")
    page.wait_for_function(f"!{STATE}.playing", timeout=10_000)  # stops at the end
    assert store(page, "s.frame") == 33

    # Trim: drag the out handle left by 8 frames (4 px per frame at the default zoom), snapping off.
    page.keyboard.press("n")
    page.locator("[data-testid=clip]").first.click()
    handle = page.get_by_test_id("trim-out").bounding_box()
    px = store(page, "s.pxPerFrame")
    page.mouse.move(handle["x"] + 3, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + 3 - 4 * px, handle["y"] + handle["height"] / 2, steps=4)
    page.mouse.move(handle["x"] + 3 - 8 * px, handle["y"] + handle["height"] / 2, steps=4)
    page.mouse.up()
    [c] = clips(page)
    assert c["length"] == 25, c
    shot_id = c["id"]
    assert store(page, f"s.shots['{shot_id}'].trim_out") == 8

    # Split at frame 10 through the server, then undo it.
    page.evaluate("window.__milimo.store.setState({ frame: 10 })")
    page.get_by_test_id("split").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=clip]').length === 2")
    parts = sorted(clips(page), key=lambda c: c["start"])
    assert [(p["start"], p["length"]) for p in parts] == [(0, 10), (10, 15)]
    shot(page, "04-split")
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('[data-testid=clip]').length === 1")
    [c] = clips(page)
    assert (c["id"], c["length"]) == (shot_id, 25)

    # Autosave (2 s) reaches the server; nothing else was lost on the way.
    page.wait_for_selector("[data-testid=save-state][data-state=saved]", timeout=10_000)
    page.wait_for_function(f"{STATE}.saveState === 'saved'")
    server_state = httpx.get(f"{base}/projects/{project_id}").json()
    assert [(s["id"], s["trim_out"], s["num_frames"]) for s in server_state["shots"]] == [(shot_id, 8, 33)]

    # Reload: the last project reopens with the trimmed clip, its take and its prompt.
    page.reload()
    page.wait_for_function(f"{STATE}.projectId === '{project_id}' && Object.keys({STATE}.shots).length === 1")
    page.wait_for_selector("[data-testid=clip]")
    [c] = clips(page)
    assert (c["id"], c["start"], c["length"]) == (shot_id, 0, 25)
    assert store(page, f"s.takes['{shot_id}'].video_url") is not None
    assert store(page, f"s.shots['{shot_id}'].prompt").startswith("A lighthouse keeper")
    assert page.locator(".clip.is-draft").count() == 1
    assert store(page, "s.saveState") == "saved"
    shot(page, "05-reloaded")
    assert page.errors == []  # type: ignore[attr-defined]
