"""Chromium through Playwright: launched once for all browser tests, a fresh context per test.

Every test here is marked `browser` and put in the `browser` xdist group, so
that with `--dist loadgroup` a single worker drives Chromium. Nothing here
depends on that grouping for correctness, only for speed: pytest 9.2 with
pytest-xdist 3.8 ignores xdist_group (pytest-xdist issue #1386), and each
worker then starts its own Chromium.
"""

import re
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    sync_playwright,
)
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class PageFactory:
    """Opens pages in fresh contexts on the live server and watches their consoles."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self._browser = browser
        self._base_url = base_url
        self._contexts: list[BrowserContext] = []
        self.pages: list[Page] = []
        self.csp_violations: list[str] = []

    def __call__(self, *, timezone_id: str = "UTC", viewport: ViewportSize | None = None) -> Page:
        context = self._browser.new_context(
            base_url=self._base_url,
            timezone_id=timezone_id,
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(5_000)
        self._contexts.append(context)
        page = context.new_page()
        page.on("console", self._watch_console)
        self.pages.append(page)
        return page

    def _watch_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", name)
        for index, page in enumerate(self.pages):
            # A crashed page must not hide the failure that is being reported.
            with suppress(Error):
                page.screenshot(path=ARTIFACTS / f"{safe}-{index}.png", full_page=True)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio event loop marked as running in
    # the main thread from start() to stop(). Django sees that loop and raises
    # SynchronousOnlyOperation for every ORM call the tests make meanwhile,
    # though those calls are plain blocking ones that never touch the loop.
    # The switch is on only while Chromium runs (package scope: torn down as
    # soon as the next test lies outside tests/browser), so that no other test,
    # and no subprocess such as `check --deploy`, inherits it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
        finally:
            playwright.stop()


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, settings: Settings
) -> Iterator[PageFactory]:
    """`new_page(timezone_id=…)` opens a page whose relative URLs hit the live server."""
    # The live server thread has its own cache connection, which the per-test
    # key prefix of tests/conftest.py never reaches; without a fresh prefix,
    # allauth's rate limits (one confirmation email per address every three
    # minutes, logins per IP) would carry over between tests and runs. Changing
    # CACHES makes Django drop every thread's cache connection.
    cache_settings = {**settings.CACHES["default"], "KEY_PREFIX": f"browser-{uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "default": cache_settings}
    factory = PageFactory(browser, live_server.url)
    yield factory
    factory.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Checked here rather than in the fixture's teardown so that a CSP
    # violation fails the test itself, and a failure is photographed while
    # its pages are still open.
    factory = getattr(item, "funcargs", {}).get("new_page")
    try:
        result = yield
    except (Exception, pytest.fail.Exception):
        if isinstance(factory, PageFactory):
            factory.screenshot(item.nodeid)
        raise
    if isinstance(factory, PageFactory) and factory.csp_violations:
        factory.screenshot(item.nodeid)
        pytest.fail("Content Security Policy violations:\n" + "\n".join(factory.csp_violations))
    return result
