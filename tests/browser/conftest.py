"""Browser tests: Playwright drives Debian's Chromium; axe-core checks every page visited.

Use the ``a11y_page`` fixture. After anything that loads a page, call ``a11y_page.check()``
(``goto`` does it for you). At the end of the test the fixture checks the current page and
fails if any page the browser navigated to was never checked, so no page escapes axe.
The same check reflows the page at 320 CSS px (WCAG 1.4.10), with the header menu closed and
open, and fails if the page then scrolls sideways.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from tests.support import REQUIRE_BROWSER, unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


class AccessibilityViolation(AssertionError):
    pass


REFLOW_WIDTH = 320
# Elements that stick out of the viewport and are not inside something that scrolls on its own.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsAlone = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const culprits = [];
  const overflows = document.documentElement.scrollWidth > width;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    // Inside a scrolling region is fine, unless the page overflows anyway (then name it).
    if (box.width && box.right > width + 1 && (overflows || !scrollsAlone(el))) {
      const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes
        + ' (right edge ' + Math.round(box.right) + ' px)');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 8)};
}"""
TOGGLE_MENU_SCRIPT = (
    "open => document.querySelectorAll('details.site-menu').forEach(d => d.open = open)"
)


class A11yPage:
    """A Playwright page that runs axe-core (WCAG 2.1 A/AA) on each page it is asked to."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.csp_violations: list[str] = []
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.visited.append(urldefrag(frame.url).url)

    def __getattr__(self, name: str):
        return getattr(self.page, name)

    def url_for(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def goto(self, path: str, **kwargs):
        response = self.page.goto(self.url_for(path), **kwargs)
        self.check()
        return response

    def follow(self, locator, *, key: str | None = None) -> None:
        """Click (or press ``key`` on) something that loads a new page, then check that page."""
        with self.page.expect_navigation():
            if key:
                locator.press(key)
            else:
                locator.click()
        self.check()

    def check(self) -> None:
        """Run axe on the current page; raise on any WCAG 2.1 A/AA violation."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, which the page's CSP does not govern.
            self.page.evaluate(AXE_SCRIPT.read_text())
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        url = urldefrag(self.page.url).url
        self.checked.add(url)
        self._check_reflow(url)
        violations = result["violations"]
        if violations:
            lines = [f"axe found WCAG violations on {url}:"]
            for violation in violations:
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
                lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
                lines.extend(f"    at {target}" for target in targets)
            raise AccessibilityViolation("\n".join(lines))

    def _check_reflow(self, url: str) -> None:
        """At 320 px wide nothing may scroll sideways (tables scroll inside their own region)."""
        size = self.page.viewport_size or {"width": 1280, "height": 720}
        self.page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
        try:
            problems = []
            for menu_open in (False, True):
                self.page.evaluate(TOGGLE_MENU_SCRIPT, menu_open)
                found = self.page.evaluate(OVERFLOW_SCRIPT)
                if found["scrollWidth"] > found["width"] or found["culprits"]:
                    state = "open" if menu_open else "closed"
                    problems.append(
                        f"menu {state}: page {found['scrollWidth']} px wide in a "
                        f"{found['width']} px viewport; too wide: {found['culprits']}"
                    )
            self.page.evaluate(TOGGLE_MENU_SCRIPT, False)
        finally:
            self.page.set_viewport_size(size)
        if problems:
            raise AccessibilityViolation(
                f"{url} scrolls sideways at {REFLOW_WIDTH} px (WCAG 1.4.10): " + "; ".join(problems)
            )

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]


@pytest.fixture(scope="session")
def browser():
    path = "/usr/bin/chromium"
    if not os.path.exists(path):
        unavailable("Debian's chromium is not installed", required=REQUIRE_BROWSER)
    if not AXE_SCRIPT.exists():
        unavailable("axe-core is not installed (npm ci)", required=REQUIRE_BROWSER)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(locale="pl-PL", timezone_id="Europe/Warsaw")
    # axe-core is injected by the browser itself on every page: an inline <script> tag added
    # into the page would be (rightly) refused by the Content-Security-Policy.
    context.add_init_script(path=str(AXE_SCRIPT))
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def a11y_page(browser_context, live_server, transactional_db):
    page = A11yPage(browser_context.new_page(), live_server.url)
    yield page
    if page.page.url not in ("about:blank", ""):
        page.check()
    missed = page.unchecked()
    assert not missed, f"pages visited without an accessibility check: {missed}"
    assert not page.csp_violations, "\n".join(page.csp_violations)
