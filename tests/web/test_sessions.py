"""Two tabs on one project, the V2 overlap rule, leaving with unsaved edits, the selection across a
reload, project names, and where toasts go — in a real browser against a real server."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project
from tests.web.test_takes import server_shots, wait_saved

pytestmark = pytest.mark.browser


def toast_with(page, text: str, timeout: int = 15_000) -> str:
    page.wait_for_function(
        f"[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes({text!r}))", timeout=timeout
    )
    return page.evaluate(
        f"[...document.querySelectorAll('[data-testid=toast]')].map(t => t.textContent).find(t => t.includes({text!r}))"
    )


def test_two_tabs_see_each_others_progress_takes_and_edits_merged_per_field(browser, studio_server):
    base = studio_server.url
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)  # see conftest.page
    try:
        a = context.new_page()
        pid, _ = open_project(
            a,
            base,
            [
                {
                    "id": "s1",
                    "prompt": "the harbour wakes",
                    "num_frames": 241,
                    "width": 768,
                    "height": 512,
                    "enhance_prompt": False,
                },
                {"id": "s2", "prompt": "gulls over the pier", "num_frames": 25, "track_index": 1, "start_frame": 0},
            ],
        )
        b = context.new_page()  # same browser: it reopens the last project
        b.goto(base + "/")
        b.wait_for_function(f"{STATE}.projectId === '{pid}'")
        b.wait_for_selector("[data-testid=connection][data-state=live]")

        # A generates; B, which never asked, shows the live progress and then the new take.
        a.locator("[data-testid=clip][data-shot=s1]").click()
        a.get_by_test_id("generate").click()
        b.wait_for_function(f"({STATE}.jobs.s1 || {{}}).status === 'processing' && {STATE}.jobs.s1.progress > 0", timeout=30_000)
        b.locator("[data-testid=clip][data-shot=s1]").click()
        b.wait_for_selector("[data-testid=job-status][data-status=processing]")
        shot(b, "two-tabs-progress-in-b")
        b.wait_for_function(f"{STATE}.takes.s1.status === 'completed' && !!{STATE}.takes.s1.video_url", timeout=120_000)
        asset = server_shots(base, pid)["s1"]["media_asset_id"]
        assert asset and b.evaluate(f"{STATE}.shots.s1.media_asset_id") == asset, "B shows the new take without saving"

        # A saves a prompt: B has it at once (no save of its own needed).
        a.locator("[data-testid=clip][data-shot=s2]").click()
        a.get_by_label("Prompt", exact=True).fill("gulls over the pier at noon")
        a.get_by_label("Prompt", exact=True).blur()
        wait_saved(a)
        b.wait_for_function(f"{STATE}.shots.s2.prompt === 'gulls over the pier at noon'", timeout=10_000)

        # Both edit s2's prompt before either saves: the merge keeps the later edit and says which shot, by name.
        b.locator("[data-testid=clip][data-shot=s2]").click()
        a.get_by_label("Prompt", exact=True).fill("gulls over the pier, rain")
        a.get_by_label("Prompt", exact=True).blur()
        b.get_by_label("Prompt", exact=True).fill("gulls over the pier, fog")
        b.get_by_label("Prompt", exact=True).blur()
        note = toast_with(b, "changed elsewhere")
        assert "“gulls over the pier" in note and ": prompt" in note and "s2" not in note.replace("s2:", "")
        shot(b, "two-tabs-merge-message")
        wait_saved(b)
        a.wait_for_function(f"{STATE}.shots.s2.prompt === 'gulls over the pier, fog'", timeout=10_000)
        assert server_shots(base, pid)["s2"]["prompt"] == "gulls over the pier, fog"
        assert a.evaluate(f"{STATE}.shots.s1.media_asset_id") == asset
    finally:
        context.close()


def test_v2_insert_and_push_rule(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page,
        base,
        [
            {"id": "t1", "prompt": "title card", "num_frames": 24, "track_index": 1, "start_frame": 0},
            {"id": "t2", "prompt": "second title", "num_frames": 24, "track_index": 1, "start_frame": 48},
        ],
    )
    assert "insert" in page.get_by_test_id("v2-rule").inner_text()
    # Drag t1 (frames 0–24) so it starts at frame 40: it would cover t2 (48–72); t2 is pushed right.
    clip = page.locator("[data-testid=clip][data-shot=t1]").bounding_box()
    px = page.evaluate(f"{STATE}.pxPerFrame")
    x, y = clip["x"] + 10, clip["y"] + clip["height"] / 2
    page.keyboard.down("Alt")  # no snapping: exact frames
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20 * px, y, steps=4)
    page.mouse.move(x + 40 * px, y, steps=4)
    page.mouse.up()
    page.keyboard.up("Alt")
    page.wait_for_function(f"{STATE}.shots.t1.start_frame === 40")
    assert page.evaluate(f"{STATE}.shots.t2.start_frame") == 64
    assert "moved right to make room" in toast_with(page, "V2 insert")
    wait_saved(page)
    on_server = server_shots(base, pid)
    assert (on_server["t1"]["start_frame"], on_server["t2"]["start_frame"]) == (40, 64)
    shot(page, "v2-insert-push")
    page.keyboard.press("Control+z")  # one gesture, one undo: both go back
    page.wait_for_function(f"{STATE}.shots.t1.start_frame === 0 && {STATE}.shots.t2.start_frame === 48")


def test_unsaved_edits_warn_before_leaving_and_the_selection_survives_a_reload(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(
        page, base, [{"id": "a", "prompt": "one", "num_frames": 25}, {"id": "b", "prompt": "two", "num_frames": 25}]
    )
    page.locator("[data-testid=clip][data-shot=b]").click()
    dialogs: list[str] = []

    def on_dialog(d) -> None:
        dialogs.append(d.type)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_label("Prompt", exact=True).fill("two, edited")
    page.get_by_label("Prompt", exact=True).blur()
    assert page.evaluate(f"{STATE}.saveState") in ("dirty", "saving")
    page.close(run_before_unload=True)  # leaving with an unsaved edit: the browser asks, the user stays
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and not page.is_closed()
    wait_saved(page)
    assert server_shots(base, pid)["b"]["prompt"] == "two, edited"
    page.reload()  # saved: no question now
    page.wait_for_function(f"{STATE}.projectId === '{pid}'")
    assert dialogs == ["beforeunload"]
    page.wait_for_function(f"{STATE}.selectedId === 'b'")
    assert page.get_by_label("Prompt", exact=True).input_value() == "two, edited"


def test_project_names_long_duplicate_and_toasts_clear_of_timecode_and_help(page, studio_server):
    base = studio_server.url
    httpx.post(f"{base}/projects", json={"name": "Harbour"})
    page.goto(base + "/")
    name = page.get_by_label("New project name")
    name.fill("A" * 205)
    assert "5 characters too long" in page.get_by_test_id("name-problem").inner_text()
    assert page.get_by_role("button", name="Create").is_disabled()
    assert name.input_value() == "A" * 205, "never cut without a word"
    name.fill("Harbour")
    assert "this one will be “Harbour (2)”" in page.get_by_test_id("name-duplicate").inner_text()
    page.get_by_role("button", name="Create").click()
    page.wait_for_function(f"{STATE}.meta && {STATE}.meta.name === 'Harbour (2)'")
    # Renames follow the same rules: an over-long one is refused with a message, a duplicate gets a number.
    title = page.get_by_label("Project name")
    title.fill("B" * 203)
    title.press("Enter")
    page.wait_for_selector("[data-testid=toast]:has-text('Not renamed: 3 characters too long')")
    page.wait_for_function("document.querySelector('[aria-label=\"Project name\"]').value === 'Harbour (2)'")
    assert page.evaluate(f"{STATE}.meta.name") == "Harbour (2)"
    httpx.post(f"{base}/projects", json={"name": "Pier"})
    title.fill("Pier")
    title.press("Enter")
    page.wait_for_function(f"{STATE}.meta.name === 'Pier (2)'")
    assert (
        page.locator("[data-testid=toast]:has-text('A project is already called “Pier”: this one is now “Pier (2)”')").count()
        == 1
    )
    assert title.input_value() == "Pier (2)"
    shot(page, "rename-duplicate")
    wait_saved(page)
    pid = page.evaluate(f"{STATE}.projectId")
    assert httpx.get(f"{base}/projects/{pid}").json()["name"] == "Pier (2)"
    page.evaluate("window.__milimo.store.setState({ toasts: [] })")  # the toast checks below count their own
    # A long name stays inside the dialog.
    page.evaluate("window.__milimo.store.setState({ projectsOpen: true })")
    long = "The very long title of a film about a lighthouse keeper and the sea " * 2
    httpx.post(f"{base}/projects", json={"name": long.strip()[:200]})
    page.evaluate("window.__milimo.store.setState({ projectsOpen: false })")
    page.evaluate("window.__milimo.store.setState({ projectsOpen: true })")
    page.wait_for_selector("[data-testid=project-row] >> nth=2")
    dialog = page.locator(".modal.project-manager").bounding_box()
    for box in page.locator(".project-name").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= dialog["x"] + dialog["width"]
    shot(page, "project-names")
    page.evaluate("window.__milimo.store.setState({ projectsOpen: false })")

    # Toasts: never over the transport's timecode, and under the help overlay.
    page.evaluate(
        "for (let i = 0; i < 4; i++) window.__milimo.store.setState(s => ({ toasts: [...s.toasts, { id: 900 + i, tone: 'info', text: 'A message long enough to wrap onto a second line in the toast ' + i }] }))"
    )
    tc = page.get_by_test_id("timecode").bounding_box()
    for t in page.locator("[data-testid=toast]").all():
        b = t.bounding_box()
        assert (
            b["y"] + b["height"] <= tc["y"]
            or b["y"] >= tc["y"] + tc["height"]
            or b["x"] >= tc["x"] + tc["width"]
            or b["x"] + b["width"] <= tc["x"]
        )
    page.keyboard.press("?")
    first = page.locator("[data-testid=toast]").first.bounding_box()
    top = page.evaluate(
        f"document.elementFromPoint({first['x'] + first['width'] / 2}, {first['y'] + first['height'] / 2}).closest('.modal-backdrop') !== null"
    )
    assert top, "the help overlay is above the toasts"
    shot(page, "toasts-under-help")
