"""The Content-Security-Policy in a real Chromium: every page draws its plots and typesets its formulas with no
policy violation and no console error; /embed can be framed by another site, every other page cannot."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

# Records every violation the page reports (the console fixture also sees Chromium's "Refused to ..." errors).
WATCH = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} in ${e.sourceFile}:${e.lineNumber}`);
});"""
# Visible plots that drew nothing: no SVG, or no trace with data.
EMPTY_PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !el.querySelector('.main-svg') || !(el.data || []).some((t) => ['x', 'y', 'z'].some((k) => t[k] && t[k].length > 0)))
  .map((el) => el.id)"""
SHORT_RUN = "model=gru&task=recall&lag=6&hidden=8&batch=8&iterations=30&seed=2"
PAGES = [
    "/",
    "/?model=lstm",
    "/?model=gru&lang=zh",
    "/scalar",
    "/feedforward",
    "/cliff",
    "/stories",
    "/bench/floor",
    "/embed?view=recurrent",
    "/embed?view=cliff&controls=none&text=0",
]


@pytest.fixture
def watched(page: Page, console: list[str]) -> Iterator[Page]:
    page.add_init_script(WATCH)
    yield page
    assert page.evaluate("window.__violations") == []


def _drawn(page: Page) -> None:
    page.wait_for_load_state("load")
    if page.locator(".js-plotly-plot").count() or page.evaluate("!!document.querySelector('.plot')"):
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    assert page.evaluate(EMPTY_PLOTS) == []


@pytest.mark.parametrize("path", PAGES)
def test_every_page_draws_within_the_policy(watched: Page, live_server: str, path: str) -> None:
    watched.goto(live_server + path)
    _drawn(watched)
    if path.startswith("/?") or path in ("/", "/scalar", "/feedforward", "/cliff"):
        assert watched.locator(".js-plotly-plot .main-svg").count() > 0
    if path != "/bench/floor":
        watched.wait_for_function("() => window.katex !== undefined")


def test_heatmaps_are_painted_from_data_urls(watched: Page, live_server: str) -> None:
    """Plotly shows a heatmap as an SVG <image> with a data: URL: img-src must allow data:."""
    watched.goto(f"{live_server}/")
    _drawn(watched)
    hrefs = watched.eval_on_selector_all(".js-plotly-plot image", "els => els.map((e) => e.getAttribute('href'))")
    assert hrefs and all(h.startswith("data:image/png") for h in hrefs)


def test_a_training_run_streams_within_the_policy(watched: Page, live_server: str) -> None:
    """The training lab's event stream (connect-src 'self') and its live plots."""
    watched.goto(f"{live_server}/train?{SHORT_RUN}")
    watched.click("#start")
    watched.wait_for_function("() => document.body.dataset.run === 'done'", timeout=90000)
    assert watched.evaluate(EMPTY_PLOTS) == []


@contextmanager
def course_site(html: str) -> Iterator[str]:
    """Another origin (another host name and port on loopback) serving one lesson page."""
    body = html.encode()

    class Lesson(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Lesson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/lesson.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_embed_can_be_framed_by_another_site_and_pages_cannot(page: Page, live_server: str) -> None:
    """A course page on another origin frames /embed (it draws and tells its height) and /scalar (refused)."""
    html = f"""<!doctype html><title>Lesson</title>
      <script>window.heights = []; addEventListener("message", (e) => heights.push(e.data && e.data.height));</script>
      <iframe id="ok" src="{live_server}/embed?view=scalar&controls=none" width="900" height="600"></iframe>
      <iframe id="refused" src="{live_server}/scalar" width="900" height="600"></iframe>"""
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    with course_site(html) as lesson:
        page.goto(lesson)
        embedded = page.locator("#ok").element_handle().content_frame()
        refused = page.locator("#refused").element_handle().content_frame()
        assert embedded is not None and refused is not None
        embedded.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        page.wait_for_function("window.heights.some((h) => h > 300)", timeout=30000)
        assert embedded.url.startswith(f"{live_server}/embed?")
        page.wait_for_function("() => document.readyState === 'complete'")
    assert refused.url.startswith("chrome-error://")  # the browser's error page, not the view
    assert any(f"{live_server}/" in r and "frame-ancestors 'none'" in r for r in refusals), refusals


def test_an_injected_inline_script_is_blocked_and_reported(page: Page, live_server: str) -> None:
    """The policy is enforced: script text added to a page (as an injection would) does not run."""
    page.goto(f"{live_server}/scalar")
    page.wait_for_load_state("load")
    page.evaluate(WATCH)
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                   document.body.appendChild(s); }"""
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("window.injected") is None
    assert page.evaluate("window.__violations")[0].startswith("script-src-elem blocked inline")
