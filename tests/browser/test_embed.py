"""An embedded view in a real iframe: only the asked-for controls and plots, no header, its height told to the
parent; the Share dialog's snippet on a course site of another origin, with and without its script; and framing by
a page opened from disk, allowed only by BPTT_EMBED_ANY_PARENT."""

from __future__ import annotations

import functools
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, expect

from scripts.serve import running_server

pytestmark = pytest.mark.browser


def test_embedded_view_shows_its_controls_and_keeps_its_flags(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/embed?view=recurrent&model=lstm&controls=scale,forget_bias&text=0")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#in-scale")).to_be_visible()
    expect(page.locator("#in-forget_bias")).to_be_visible()
    expect(page.locator("#in-steps")).to_be_hidden()
    expect(page.locator(".explain").first).to_be_hidden()
    page.locator("#num-scale").fill("2")
    page.locator("#num-scale").press("Enter")
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('scale=2&')", timeout=30000)
    assert "/embed?" in page.url and "controls=scale%2Cforget_bias" in page.url and "text=0" in page.url


def test_the_parent_page_learns_the_height(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/stories")  # any page of the same server, as the course site
    height = page.evaluate(
        """(src) => new Promise((resolve) => {
            window.addEventListener("message", (e) => {
                if (e.data && e.data.type === "bptt-explorer:height") resolve(e.data.height);
            });
            const frame = document.createElement("iframe");
            frame.src = src;
            frame.style.width = "900px";
            document.body.appendChild(frame);
        })""",
        f"{live_server}/embed?view=scalar&controls=none&text=0",
    )
    assert height > 300


def test_plots_shows_the_chosen_panels_and_says_when_a_model_draws_none(
    page: Page, live_server: str, console: list[str]
) -> None:
    page.goto(f"{live_server}/embed?view=recurrent&model=lstm&plots=cell&text=0")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    expect(page.locator("#plot-cell .main-svg").first).to_be_visible()
    for other in ("decay", "pairs", "units", "activation", "nearfar", "spectrum", "carry"):
        expect(page.locator(f"#panel-{other}")).to_be_hidden()
    note = page.locator(".embed-note")
    expect(note).to_be_hidden()
    page.locator('input[name="model"][value="gru"]').check()  # the GRU has no cell-state panel
    expect(note).to_have_text("The chosen plots are not drawn for this model: choose another model.")
    expect(page.locator("#panel-cell")).to_be_hidden()
    page.locator('input[name="model"][value="lstm"]').check()
    expect(note).to_be_hidden()
    expect(page.locator("#panel-cell")).to_be_visible()
    page.wait_for_function("() => location.search.includes('model=lstm')")  # the address follows within 150 ms
    assert "plots=cell" in page.url and "text=0" in page.url  # a reload keeps them
    page.reload()
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    expect(page.locator("#panel-cell")).to_be_visible()
    expect(page.locator("#panel-decay")).to_be_hidden()


def test_a_narrow_embed_leads_with_its_first_plot_shown(page: Page, live_server: str, console: list[str]) -> None:
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto(f"{live_server}/embed?view=recurrent&plots=units,pairs")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    pairs = page.locator("#panel-pairs").bounding_box()
    units = page.locator("#panel-units").bounding_box()
    controls = page.locator("#controls").bounding_box()
    assert pairs and units and controls
    assert pairs["y"] + pairs["height"] < 700 and pairs["y"] < controls["y"] < units["y"]


# ---------- the Share dialog's snippet on a course page of another origin ----------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _course_site(directory: Path) -> Iterator[str]:
    """A static site on another origin than the explorer's (localhost, not 127.0.0.1, and another port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


COURSE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Lecture 7</title><link rel="icon" href="data:,">
</head><body style="margin:0;padding:8px;font:16px serif"><h1>Lecture 7</h1><p>Read this, then move the sliders.</p>
{0}<p>Between the two views.</p>{1}<p>The end.</p></body></html>"""


def _snippets(page: Page, live_server: str) -> tuple[str, str]:
    """Two snippets as an author copies them: the heatmap alone, and the whole view without its text."""
    page.goto(f"{live_server}/?model=lstm&steps=40&hidden=12")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    page.locator("#share-open").click()
    page.locator("#share-plots").select_option("pairs")
    one = page.locator("#share-snippet").input_value()
    page.locator("#share-plots").select_option("all")
    page.locator("#share-text").uncheck()
    return one, page.locator("#share-snippet").input_value()


def _settled_heights(host: Page, frames: Locator, timeout: float = 30.0) -> list[tuple[float, int]]:
    """(the iframe's height, its page's content height) of each iframe, once every frame has drawn and fits."""
    deadline = time.monotonic() + timeout
    while True:
        pairs = []
        for i in range(frames.count()):
            handle = frames.nth(i).element_handle()
            inner = handle.content_frame()
            assert inner is not None
            pairs.append((handle.bounding_box()["height"], inner.evaluate(CONTENT_HEIGHT)))  # type: ignore[index]
        if all(abs(outer - content) <= 2 for outer, content in pairs) or time.monotonic() > deadline:
            return pairs
        host.wait_for_timeout(200)


CONTENT_HEIGHT = "() => Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY)"
FIRST_PLOT = """() => { const panel = [...document.querySelectorAll('#plots .panel')].find((p) => p.offsetParent);
  const plot = panel.querySelector('.plot'); const box = plot.getBoundingClientRect();
  return { id: plot.id, bottom: box.bottom, svg: !!plot.querySelector('.main-svg'), view: window.innerHeight }; }"""


@pytest.mark.parametrize("width", [700, 375])
def test_the_snippet_fits_its_iframe_on_a_course_site(
    page: Page, browser: Browser, live_server: str, tmp_path: Path, width: int
) -> None:
    one, whole = _snippets(page, live_server)
    assert "<script>" in one and "bptt-explorer:height" in one and 'loading="lazy"' in one and 'title="' in one
    (tmp_path / "lecture.html").write_text(COURSE_PAGE.format(one, whole), encoding="utf-8")
    with _course_site(tmp_path) as site:
        context = browser.new_context(viewport={"width": width, "height": 800})
        host = context.new_page()
        errors: list[str] = []
        host.on("pageerror", lambda e: errors.append(str(e)))
        host.goto(f"{site}/lecture.html")
        frames = host.locator("iframe")
        for i, plot in enumerate(["#plot-pairs", "#plot-decay"]):
            frames.nth(i).scroll_into_view_if_needed()  # lazy: a frame loads as it nears the screen
            inner = host.frame_locator("iframe").nth(i)
            inner.locator("body[data-rendered]").wait_for(state="attached", timeout=60000)
            expect(inner.locator(f"{plot} .main-svg").first).to_be_visible()
        pairs = _settled_heights(host, frames)
        for outer, content in pairs:
            assert abs(outer - content) <= 2, pairs
        whole_height = pairs[1][0]
        assert pairs[0][0] < whole_height - 500, pairs  # one plot makes a shorter page, and its frame follows
        assert pairs[0][0] > 620 and whole_height > 1500, pairs  # both grew past the fixed fallback height
        # A message from anyone but the explorer (here the course page itself) changes no frame.
        host.evaluate("() => window.postMessage({ type: 'bptt-explorer:height', height: 40 }, '*')")
        host.wait_for_timeout(300)
        assert [frames.nth(i).bounding_box()["height"] for i in range(2)] == [p[0] for p in pairs]  # type: ignore[index]
        context.close()
        assert errors == []


@pytest.mark.parametrize("width", [700, 375])
def test_without_its_script_the_snippet_still_shows_a_plot(
    page: Page, browser: Browser, live_server: str, tmp_path: Path, width: int
) -> None:
    """A site that strips scripts keeps the iframe at its fixed height: the first plot is drawn inside it."""
    one, whole = (re.sub(r"<script>.*</script>", "", s, flags=re.DOTALL) for s in _snippets(page, live_server))
    (tmp_path / "lecture.html").write_text(COURSE_PAGE.format(one, whole), encoding="utf-8")
    with _course_site(tmp_path) as site:
        context = browser.new_context(viewport={"width": width, "height": 800})
        host = context.new_page()
        host.goto(f"{site}/lecture.html")
        frames = host.locator("iframe")
        for i, plot in enumerate(["plot-pairs-lstm", "plot-decay"]):
            frames.nth(i).scroll_into_view_if_needed()
            handle = frames.nth(i).element_handle()
            inner = handle.content_frame()
            assert inner is not None
            inner.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
            first = inner.evaluate(FIRST_PLOT)
            height = handle.bounding_box()["height"]  # type: ignore[index]
            assert height == int(handle.get_attribute("height") or 0) >= 600
            assert first["svg"] and first["bottom"] <= first["view"] == height, (plot, first)
        context.close()


# ---------- framed by a page opened from disk ----------


@pytest.fixture(scope="module")
def any_parent_server() -> Iterator[str]:
    """The explorer with BPTT_EMBED_ANY_PARENT on."""
    with running_server(env={"BPTT_EMBED_ANY_PARENT": "true"}) as base:
        yield base


EMBED = "/embed?view=scalar&controls=none&text=0"


def _disk_page(tmp_path: Path, base: str) -> str:
    """A course page saved on disk: the view in an iframe, and again inside a data: iframe."""
    nested = "data:text/html," + urllib.parse.quote(f'<iframe src="{base}{EMBED}" width="600" height="500"></iframe>')
    html = (
        f'<!doctype html><meta charset="utf-8"><title>Notes</title>'
        f'<iframe id="direct" src="{base}{EMBED}" width="700" height="600"></iframe>'
        f'<iframe id="nested" src="{nested}" width="650" height="550"></iframe>'
    )
    path = tmp_path / "notes.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


def _embedded(page: Page, base: str) -> list[Frame]:
    return [f for f in page.frames if f.url.startswith(base + "/embed")]


def test_a_page_opened_from_disk_frames_the_view_when_allowed(
    browser: Browser, any_parent_server: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(_disk_page(tmp_path, any_parent_server))
    deadline = time.monotonic() + 30
    while len(_embedded(page, any_parent_server)) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    frames = _embedded(page, any_parent_server)
    assert sorted(f.parent_frame.url.split(":")[0] for f in frames if f.parent_frame) == ["data", "file"]
    for frame in frames:
        frame.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        expect(frame.locator("#plot-factors .main-svg").first).to_be_visible()
    page.close()


def test_by_default_a_page_opened_from_disk_cannot_frame_the_view(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(_disk_page(tmp_path, live_server))
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    assert _embedded(page, live_server) == []  # both show the browser's error page instead
    assert all(f.locator("body.embed").count() == 0 for f in page.frames)
    page.close()


def test_panels_left_out_are_neither_fetched_nor_drawn(page: Page, live_server: str, console: list[str]) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{live_server}/embed?view=recurrent&model=rnn&plots=decay&text=0")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    page.wait_for_timeout(600)  # past the wait for side panels
    assert page.locator("#plot-decay .main-svg").count() > 0
    for other in ("pairs-rnn", "units-rnn", "activation", "nearfar", "spectrum"):
        assert page.locator(f"#plot-{other} .main-svg").count() == 0, other
    assert not [u for u in asked if "/nearfar" in u or "/spectrum" in u], asked
