"""Browser fixtures: Debian's Chromium driven by Playwright against a real `milimo serve`.

Nothing is downloaded: Playwright launches /usr/bin/chromium (apt-get install chromium). Without
Chromium or the Playwright package, browser tests skip and say why; CI installs both.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ServerProcess

REPO = Path(__file__).resolve().parents[2]
WEB_DIST = REPO / "web" / "dist"
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = os.environ.get("MILIMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


def _require_browser() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium; CI installs it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    if not (WEB_DIST / "index.html").exists():
        pytest.skip("web/dist is not built (make web)")


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield b
        b.close()


@pytest.fixture
def studio_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real studio on a free port with a temporary data dir and the CPU draft engines."""
    _require_browser()
    server = ServerProcess(
        tmp_path / "data", env={"MILIMO_VIDEO_ENGINE": "draft", "MILIMO_IMAGE_ENGINE": "draft", "MILIMO_TEXT_ENGINE": "draft"}
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(browser, request):
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the studio's CSP forbids (no
    # eval). The app itself under its CSP is tested in test_login.py with a context that enforces it.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"))
    except Exception:
        pass
    context.close()


def shot(page, name: str) -> None:
    """Keep a screenshot as a test artifact (test-artifacts/web/, gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# Kept in the page and read at the end (a binding called from the listener can miss one raised inside an evaluate).
RECORD_VIOLATIONS = """window.__cspViolations = []; window.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`), true);"""


@contextmanager
def csp_page(browser, project_id: str) -> Iterator[tuple[object, Callable[[], tuple[list[str], list[str]]]]]:
    """A page that enforces the studio's CSP (the shared `page` fixture bypasses it) and opens `project_id`.

    Yields (page, problems): problems() gives every CSP violation the page reported (securitypolicyviolation
    events and the console's "Content Security Policy" messages) and every page error, for the end of a test."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(RECORD_VIOLATIONS)
    page.add_init_script(f"localStorage.setItem('milimo.lastProjectId', '{project_id}')")
    try:
        yield page, lambda: ([*violations, *page.evaluate("window.__cspViolations")], errors)
    finally:
        context.close()


def until(page, expression: str, timeout_s: float = 15.0):
    """Poll an expression from Python: wait_for_function evaluates its string with eval, which the CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not (value := page.evaluate(expression)):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)
    return value
