"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).

Screenshots of every page visited go to test-artifacts/screenshots/. axe-core (pinned,
from the axe-playwright-python wheel) checks every document any browser test loads: a
serious or critical violation fails the test that loaded the page, and each test's
findings, at every impact, go to test-artifacts/axe/.
"""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_ARTIFACTS = ARTIFACTS.parent / "axe"
AXE_FAILS = {"serious", "critical"}
PASSWORD = "pw-for-tests-only"


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls
    # (factories, assertions, the database flush after each test) are still synchronous
    # and safe. Set only once a browser test runs, and undone at the end of the session.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server speaks plain http; its middleware reads this when it starts."""
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
        yield


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page's current document: its violations, each with the nodes it names.

    The script is evaluated through the DevTools protocol, so the page's own CSP (which
    allows no inline script) stays as users get it.
    """
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 10),
            }));
        }"""
    )


class AxeAudit:
    """What axe found on each document the test's pages loaded."""

    def __init__(self):
        self.findings: list[dict] = []
        self.audited: list[str] = []

    def watch(self, page) -> None:
        page.on("load", self._audit)

    def _audit(self, page) -> None:
        from playwright.sync_api import Error

        url = page.url
        if url == "about:blank" or not url.startswith("http"):
            return
        try:
            violations = axe_violations(page)
        except Error:
            # The page moved on while axe ran (a redirect, a click); its next document
            # fires its own load event and is audited then.
            return
        self.audited.append(url)
        self.findings.extend({"url": url, **violation} for violation in violations)

    def failures(self) -> list[dict]:
        return [finding for finding in self.findings if finding["impact"] in AXE_FAILS]


@pytest.fixture
def axe_audit(request):
    audit = AxeAudit()
    yield audit
    if audit.audited:
        AXE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "--")
        (AXE_ARTIFACTS / f"{name}.json").write_text(
            json.dumps({"audited": audit.audited, "findings": audit.findings}, indent=2)
        )
    failures = audit.failures()
    if failures:
        report = "\n".join(
            f"{f['url']}: {f['id']} ({f['impact']}) {f['help']}: {', '.join(f['nodes'])}" for f in failures
        )
        pytest.fail(f"axe-core found serious or critical violations:\n{report}", pytrace=False)


@pytest.fixture
def new_page(browser, axe_audit):
    """Open pages in fresh browser contexts (separate cookies: one per user), each audited by axe."""
    contexts = []

    def new_page(*, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        axe_audit.watch(page)
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def screenshot(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return screenshot


@pytest.fixture
def log_in(live_server):
    def log_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return log_in
