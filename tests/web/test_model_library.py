"""The model library in a real browser against a real server and a local fake hub: a download
with progress, speed and time left; cancel; resume; the header's image chip switching from the
draft to FLUX.2 [klein] without a reload; delete with the space it frees; and the Hugging Face
token stored by the server (mode 0600), never shown again."""

from __future__ import annotations

import importlib.util
import os
import stat

import pytest

from milimo.studio.hf_token import token_path
from tests.api.test_models import hub_env
from tests.engines.real import fakehub
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = [pytest.mark.browser, pytest.mark.models]
HAVE_STACK = all(importlib.util.find_spec(m) is not None for m in ("huggingface_hub", "torch", "diffusers", "transformers"))
TOKEN = "hf_BrowserGivenToken42"


@pytest.mark.skipif(not HAVE_STACK, reason="needs huggingface_hub and the [models] extra")
def test_download_progress_cancel_resume_engine_chip_delete_and_token(page, tmp_path, server_factory):
    from tests.engines.real.tiny import build_flux2_klein

    tiny = build_flux2_klein(tmp_path / "tiny" / "flux2-klein-4b", tmp_path / "tok")
    files = {p.relative_to(tiny).as_posix(): p.read_bytes() for p in tiny.rglob("*") if p.is_file()}
    files["scheduler/padding.bin"] = os.urandom(48 * 1024 * 1024)  # a few seconds at the hub's pace: time to cancel
    url, hub = fakehub.serve("black-forest-labs/FLUX.2-klein-4B", files, pause_s=0.01)
    try:
        server = server_factory(tmp_path / "data", env=hub_env(url, tmp_path))
        base = server.url
        open_project(page, base, [])
        image_chip = "[data-testid=engines] [data-capability=image]"
        assert page.locator(image_chip).get_attribute("data-engine") == "draft"

        # The chip opens the library: what each model enables, size, licence, flags, state, free disk.
        page.locator("[data-testid=engines]").click()
        row = page.locator("[data-testid=model-row][data-model=flux2-klein-4b]")
        row.wait_for()
        assert "Images (FLUX.2 klein)" in row.get_by_test_id("model-enables").inner_text()
        assert "16 GB" in row.inner_text() and row.get_attribute("data-status") == "not_downloaded"
        assert "gated" in page.locator("[data-testid=model-row][data-model=gemma3-12b]").inner_text()
        assert "free on the models disk" in page.get_by_test_id("disk-free").inner_text()

        # Download: progress with bytes, speed and time left, here and in the header's jobs area.
        row.get_by_test_id("model-download").click()
        page.wait_for_function(
            """(() => { const r = document.querySelector('[data-model="flux2-klein-4b"] [data-testid=model-progress]');
            return r && /MB\\/s/.test(r.textContent) && /left|estimating/.test(r.textContent) && /of/.test(r.textContent); })()""",
            timeout=60_000,
        )
        page.wait_for_selector("[data-testid=jobs-button]:has-text('1 running')")
        shot(page, "models-downloading")

        # Cancel mid-file: resumable, and the button says so.
        row.get_by_test_id("model-cancel").click()
        page.wait_for_selector("[data-model=flux2-klein-4b][data-status=not_downloaded]", timeout=20_000)
        assert "Resume" in row.get_by_test_id("model-download").inner_text()
        assert "resumes" in row.get_by_test_id("model-message").inner_text()
        assert page.locator(image_chip).get_attribute("data-engine") == "draft"

        # Resume to the end: the image chip switches to the real engine without a reload.
        row.get_by_test_id("model-download").click()
        page.wait_for_selector("[data-model=flux2-klein-4b][data-status=downloaded]", timeout=120_000)
        page.wait_for_selector(
            f"{image_chip}[data-engine=flux2-klein]", timeout=60_000
        )  # selection imports the model stack: slow on a busy machine
        assert page.locator(image_chip).inner_text().lower().endswith("flux2-klein")
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # still the first load
        shot(page, "models-downloaded")

        # Delete: it asks, naming the space; then the chip goes back to the draft.
        assert (
            "Delete" in row.get_by_test_id("model-delete").inner_text()
            and "MB" in row.get_by_test_id("model-delete").inner_text()
        )
        row.get_by_test_id("model-delete").click()
        page.locator("[role=alertdialog]").get_by_role("button", name="Delete").click()
        page.wait_for_selector("[data-model=flux2-klein-4b][data-status=not_downloaded]", timeout=10_000)
        page.wait_for_selector(f"{image_chip}[data-engine=draft]", timeout=60_000)
        page.wait_for_function("[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('freed'))")

        # The token: given once, stored 0600 by the server, never shown again.
        assert page.get_by_test_id("hf-token").get_attribute("data-stored") == "false"
        page.get_by_label("Hugging Face token").fill(TOKEN)
        page.get_by_test_id("hf-token").get_by_role("button", name="Store").click()
        page.wait_for_selector("[data-testid=hf-token][data-stored=true]")
        assert page.get_by_label("Hugging Face token").input_value() == ""
        path = token_path(server.data_dir)
        assert path.read_text() == TOKEN and stat.S_IMODE(path.stat().st_mode) == 0o600
        page.reload()
        page.wait_for_function(f"{STATE}.hfToken === true")
        assert TOKEN not in page.content() and TOKEN not in page.evaluate("JSON.stringify(window.__milimo.store.getState())")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        hub.shutdown()
