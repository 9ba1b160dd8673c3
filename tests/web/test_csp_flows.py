"""The studio's own flows under its enforced Content-Security-Policy (the shared `page` fixture bypasses
it so tests can use wait_for_function): storyboard parse and commit, a still from the Images view,
the model library, and a master render played back in the Export dialog. Every violation the page
reports fails the test (securitypolicyviolation events and the console's CSP messages)."""

from __future__ import annotations

import httpx
import pytest

from tests.render.clips import draft_clip
from tests.storyboard.conftest import fixture_text
from tests.web.conftest import csp_page, shot, until
from tests.web.test_master_render import upload

pytestmark = pytest.mark.browser


def test_storyboard_images_models_and_a_render_work_under_the_enforced_csp(browser, studio_server, tmp_path):
    base = studio_server.url
    project = httpx.post(f"{base}/projects", json={"name": "Under CSP", "resolution_w": 320, "resolution_h": 192}).json()
    pid = project["id"]
    take = upload(base, pid, draft_clip(tmp_path / "a.mp4", 24, code0=300, width=320, height=192), "video/mp4")
    with csp_page(browser, pid) as (page, problems):
        response = page.goto(base + "/")
        assert "script-src 'self';" in response.headers["content-security-policy"]  # enforced, no eval
        page.wait_for_selector("[data-testid=connection][data-state=live]")

        # Storyboard: paste, parse, commit; the shots land in the project.
        page.get_by_test_id("view-storyboard").click()
        page.get_by_test_id("storyboard-script").fill(fixture_text("three_scenes.fountain"))
        page.get_by_test_id("storyboard-parse").click()
        until(page, "document.querySelectorAll('[data-testid=shot-card]').length === 16")
        page.get_by_test_id("storyboard-commit").click()
        until(page, "Object.keys(window.__milimo.store.getState().shots).length === 16")
        shot(page, "csp-storyboard-committed")
        page.get_by_test_id("view-timeline").click()
        page.wait_for_selector("[data-testid=clip]")

        # Images: a draft still, shown in the gallery.
        page.get_by_test_id("open-images").click()
        view = page.get_by_test_id("images-view")
        view.get_by_test_id("image-prompt").fill("the lighthouse at dusk")
        view.get_by_test_id("generate-image").click()
        until(page, "document.querySelectorAll('[data-testid=images-view] [data-testid=still] img').length === 1", 60)
        until(page, "document.querySelector('[data-testid=images-view] [data-testid=still] img').naturalWidth > 0")
        shot(page, "csp-images")
        view.get_by_role("button", name="Close").click()

        # The model library opens and lists the catalogue.
        page.get_by_test_id("open-models").click()
        until(page, "document.querySelectorAll('[data-testid=model-row]').length > 0")
        shot(page, "csp-model-library")
        page.keyboard.press("Escape")

        # Export: render the uploaded clip's frames and play the result in the dialog.
        shots = httpx.get(f"{base}/projects/{pid}").json()
        httpx.put(
            f"{base}/projects/{pid}/save",
            json={"base_version": shots["version"], "shots": [{"id": "clip", "num_frames": 24, "media_asset_id": take["id"]}]},
        ).raise_for_status()
        page.reload()
        page.wait_for_selector("[data-testid=connection][data-state=live]")
        page.get_by_test_id("open-export").click()
        dialog = page.get_by_role("dialog", name="Export").locator("[data-section=master]")
        dialog.get_by_role("button", name="Render").click()
        page.wait_for_selector("[data-testid=render-done] video", timeout=60_000)
        until(page, "document.querySelector('[data-testid=render-done] video').readyState >= 1", 30)
        shot(page, "csp-render-done")

        violations, errors = problems()
        assert violations == [] and errors == [], (violations, errors)
