"""With MILIMO_AUTH_TOKEN set, the web app shows its login form on the first 401; after the token,
the session cookie carries every request and the event stream (EventSource cannot send headers)."""

from __future__ import annotations

import pytest

from tests.conftest import ServerProcess
from tests.web.conftest import _require_browser, shot

pytestmark = pytest.mark.browser
TOKEN = "browser-test-token-0123456789"


@pytest.fixture
def locked_server(tmp_path):
    _require_browser()
    server = ServerProcess(
        tmp_path / "data",
        env={
            "MILIMO_AUTH_TOKEN": TOKEN,
            "MILIMO_VIDEO_ENGINE": "draft",
            "MILIMO_IMAGE_ENGINE": "draft",
            "MILIMO_TEXT_ENGINE": "draft",
        },
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def strict_page(browser):
    """A page that enforces the server's CSP (the shared `page` fixture bypasses it), recording violations."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.violations = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.violations.append(m.text) if "Content Security Policy" in m.text else None)
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def test_the_app_asks_for_the_token_then_works_live_under_its_csp(strict_page, locked_server):
    page = strict_page
    page.goto(locked_server.url + "/")
    form = page.get_by_role("dialog", name="Log in")
    form.wait_for()
    page.get_by_placeholder("Access token").fill("wrong-token-wrong-token")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    assert "not this studio's access token" in page.get_by_role("alert").inner_text()
    shot(page, "login-refused")
    page.get_by_placeholder("Access token").fill(TOKEN)
    with page.expect_navigation():  # the app starts again with the cookie
        page.get_by_role("button", name="Log in").click()
    page.get_by_label("New project name").wait_for(timeout=15_000)
    assert page.get_by_role("dialog", name="Log in").count() == 0
    page.get_by_label("New project name").fill("Behind a token")
    page.get_by_role("button", name="Create").click()
    page.wait_for_selector("[data-testid=connection][data-state=live]", timeout=15_000)
    page.get_by_test_id("add-shot").wait_for()  # the workspace of the new project
    shot(page, "login-accepted")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["milimo_session"]["httpOnly"] and cookies["milimo_session"]["sameSite"] == "Strict"
    assert page.errors == [] and page.violations == [], (page.errors, page.violations)


def test_the_server_login_page_sends_a_browser_back_to_where_it_was_going(page, locked_server):
    page.goto(locked_server.url + "/docs")
    assert page.url.endswith("/login")
    page.locator("input[name=token]").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(locked_server.url + "/")
    assert page.evaluate("fetch('/projects').then(r => r.status)") == 200
