"""Saving, merging, live progress and keys in a real browser against a real server (draft engines)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ServerProcess
from tests.state import state_shots
from tests.web.conftest import shot

pytestmark = pytest.mark.browser

STATE = "window.__milimo.store.getState()"


def open_project(page, base: str, shots: list[dict], name: str = "Harbour") -> tuple[str, dict]:
    """Make a project with these shots through the API, then open it in the page (the last-project path)."""
    p = httpx.post(f"{base}/projects", json={"name": name, "resolution_w": 320, "resolution_h": 192}).json()
    httpx.put(f"{base}/projects/{p['id']}/save", json={"base_version": p["version"], "shots": shots}).raise_for_status()
    state = httpx.get(f"{base}/projects/{p['id']}").json()
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{p['id']}')")
    page.goto(base + "/")
    page.wait_for_function(f"{STATE}.projectId === '{p['id']}' && Object.keys({STATE}.shots).length === {len(shots)}")
    page.wait_for_selector("[data-testid=connection][data-state=live]")
    return p["id"], state


def test_stale_autosave_gets_409_merges_and_loses_nothing(page, studio_server):
    base = studio_server.url
    pid, _state = open_project(page, base, [{"id": "s1", "prompt": "a harbour at dawn", "num_frames": 49}])
    # Someone else changes the seed of s1 and adds s2: the page's copy is now stale.
    v = httpx.patch(f"{base}/shots/s1", json={"seed": 777}).json()["project_version"]
    httpx.put(
        f"{base}/projects/{pid}/save",
        json={
            "base_version": v,
            "shots": [{"id": "s2", "prompt": "gulls", "num_frames": 25, "track_index": 1, "start_frame": 10}],
        },
    )
    # Here, the user edits the prompt of s1.
    page.locator("[data-testid=clip][data-shot=s1]").click()
    page.get_by_label("Prompt", exact=True).fill("a harbour at dawn, fog rolling in")
    page.get_by_label("Prompt", exact=True).blur()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('changed elsewhere'))",
        timeout=10_000,
    )
    page.wait_for_function(f"{STATE}.saveState === 'saved' && Object.keys({STATE}.shots).length === 2", timeout=15_000)
    shot(page, "merge-after-409")
    server = {s["id"]: s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json())}
    assert server["s1"]["prompt"] == "a harbour at dawn, fog rolling in"  # the local edit survived
    assert server["s1"]["seed"] == 777  # the other side's edit too
    assert server["s2"]["prompt"] == "gulls"
    assert page.locator("[data-testid=clip][data-shot=s2]").count() == 1


def test_keys_end_marks_help_and_undo(page, studio_server):
    base = studio_server.url
    open_project(
        page,
        base,
        [
            {"id": "a", "prompt": "one", "num_frames": 49, "start_frame": 0},
            {"id": "b", "prompt": "two", "num_frames": 25, "start_frame": 49},
            {"id": "m", "prompt": "music", "num_frames": 200, "track_index": 2, "start_frame": 0},
        ],
    )
    page.locator("[data-testid=timeline]").click(position={"x": 600, "y": 200})
    page.keyboard.press("End")
    assert page.evaluate(f"{STATE}.frame") == 200  # the timeline end, not the last shot's length
    page.keyboard.press("Home")
    for _ in range(6):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(f"{STATE}.frame") == 60
    # I at frame 60 = 11 frames into clip b (which starts at 49): trims b's head, relative to b.
    page.locator("[data-testid=clip][data-shot=b]").click(position={"x": 5, "y": 10})
    page.evaluate("window.__milimo.store.setState({ frame: 60 })")
    page.keyboard.press("i")
    assert page.evaluate(f"{STATE}.shots.b.trim_in") == 11
    page.keyboard.press("o")  # at the new first frame of b: b ends here, 1 frame long
    assert page.evaluate(f"{STATE}.shots.b.trim_out") == 13
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    assert page.evaluate(f"[{STATE}.shots.b.trim_in, {STATE}.shots.b.trim_out]") == [0, 0]
    page.keyboard.press("Control+Shift+z")
    assert page.evaluate(f"{STATE}.shots.b.trim_in") == 11
    page.keyboard.press("?")
    page.wait_for_selector("[role=dialog][aria-label='Keyboard shortcuts']")
    shot(page, "help-overlay")
    page.keyboard.press("Escape")
    assert page.locator("[role=dialog][aria-label='Keyboard shortcuts']").count() == 0
    # Typing in a field does not drive the timeline.
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.get_by_label("Prompt", exact=True).press("End")
    page.get_by_label("Prompt", exact=True).type(" j k l")
    assert page.evaluate(f"{STATE}.playing") is False


def test_reload_recovers_in_flight_job_then_cancel_resets_the_shot(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page,
        base,
        [
            {
                "id": "long",
                "prompt": "a long slow pan over the harbour",
                "num_frames": 505,
                "width": 1536,
                "height": 1024,
                "enhance_prompt": False,
            }
        ],
    )
    page.locator("[data-testid=clip][data-shot=long]").click()
    page.get_by_test_id("generate").click()
    page.wait_for_selector("[data-testid=job-status][data-status=processing]", timeout=20_000)
    # Reload mid-job: the shot's job is read back from its row and followed again over SSE.
    page.reload()
    page.wait_for_function(f"{STATE}.projectId === '{pid}'")
    page.wait_for_function(f"['queued', 'processing'].includes(({STATE}.jobs.long || {{}}).status)", timeout=10_000)
    page.locator("[data-testid=clip][data-shot=long]").click()
    page.wait_for_function(f"({STATE}.jobs.long || {{}}).progress > 0", timeout=20_000)
    shot(page, "recovered-in-flight")
    page.get_by_test_id("cancel").click()
    page.wait_for_selector("[data-testid=job-status][data-status=cancelled]", timeout=20_000)
    assert page.evaluate(f"{STATE}.takes.long.status") == "pending"
    assert page.get_by_test_id("generate").is_visible()  # the shot is back to normal, not "Cancelling…"
    assert state_shots(httpx.get(f"{base}/projects/{pid}").json())[0]["status"] == "pending"


def test_connection_indicator_follows_the_server(page, studio_server, tmp_path):
    base = studio_server.url
    open_project(page, base, [{"id": "a", "prompt": "one", "num_frames": 25}])
    studio_server.stop()
    page.wait_for_selector("[data-testid=connection]:not([data-state=live])", timeout=10_000)
    shot(page, "connection-lost")
    again = ServerProcess(studio_server.data_dir, studio_server.env)
    again.port, again.url = studio_server.port, studio_server.url
    again.start()
    try:
        page.wait_for_selector("[data-testid=connection][data-state=live]", timeout=20_000)
    finally:
        again.stop()
