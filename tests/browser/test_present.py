"""Presenter mode on a 1920x1080 projector: the main plot fills the screen in large type with only the chosen
controls, the keyboard drives the sliders and the stories, P toggles it. Screenshots go to pytest's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

W, H = 1920, 1080

# Every visible piece of the page's own text (KaTeX's sub- and superscripts are part of their formula,
# measured at the formula's root) with its computed size, and Plotly's text elements.
TEXT_SIZES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest("svg, script, style, dialog:not([open]), .katex .katex-html *, .katex-mathml")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.checkVisibility?.() === false) continue;
    out.push({ text: n.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(el).fontSize) });
  }
  const plot = document.querySelector(".panel.presented .plot");
  for (const el of plot.querySelectorAll(".main-svg text:not(.hoverlayer text)")) {
    if (el.textContent.trim()) out.push({ text: "svg:" + el.textContent.slice(0, 30), px: parseFloat(el.style.fontSize || getComputedStyle(el).fontSize) });
  }
  return out;
}"""

VISIBLE_CONTROLS = """() => [...document.querySelectorAll('#controls input, #controls select, #controls button')]
  .filter((el) => el.checkVisibility()).map((el) => el.id)"""

# The presented plots (one, or two side by side where a story compares): their sizes, together and each.
MAIN_PLOT = """() => {
  const els = [...document.querySelectorAll('.panel.presented .plot')];
  const el = els[0];
  const rects = els.map((p) => p.getBoundingClientRect());
  const widths = el._fullData.filter((t) => t.visible === true && t.mode && t.mode.includes('lines')).map((t) => t.line.width);
  return { id: el.id, count: els.length, width: rects.reduce((s, r) => s + r.width, 0), height: Math.min(...rects.map((r) => r.height)),
           narrowest: Math.min(...rects.map((r) => r.width)), area: rects.reduce((s, r) => s + r.width * r.height, 0),
           lineWidths: widths, font: el._fullLayout.font.size,
           scrollW: document.documentElement.scrollWidth, scrollH: document.documentElement.scrollHeight };
}"""

PLAY = ["play", "play-speed"]  # the sweep's button and speed (play.js), on every view with sliders
CASES = {
    "recurrent": ("/?present=1", [*PLAY, "in-scale", "num-scale", "in-steps", "num-steps"]),
    "lstm-story": (
        "/?model=lstm&forget_bias=3&steps=100&story=c10&present=1",
        [*PLAY, "in-forget_bias", "num-forget_bias", "in-steps", "num-steps"],
    ),
    "scalar-named": ("/scalar?present=bias,h0", [*PLAY, "in-bias", "num-bias", "in-h0", "num-h0"]),
    "feedforward": ("/feedforward?present=1", [*PLAY, "in-layers", "num-layers", "in-init"]),
    "cliff-story": (
        "/cliff?story=c8&threshold=0.3&present=1",
        [*PLAY, "in-threshold", "num-threshold", "in-lr", "num-lr"],
    ),
    "train": ("/train?present=1", ["start", "stop", "in-lag", "num-lag"]),
}


def minimum(text: str) -> float:
    """The least size in px: 24 for the page's text, 22 for the plot's; Plotly draws the 2 and 5 between the
    decades of a log axis at three quarters of the font (18)."""
    if not text.startswith("svg:"):
        return 24
    return 18 if text[4:] in {"2", "5"} else 22


def open_presenting(page: Page, url: str) -> None:
    page.set_viewport_size({"width": W, "height": H})
    page.goto(url)
    expect(page.locator("body")).to_have_class("present")
    if page.locator("#start").count():  # the training lab draws once a run streams
        page.click("#start")
        page.wait_for_function(
            "() => (document.getElementById('plot-loss').data || []).some((t) => t.y && t.y.length > 1)", timeout=60000
        )
        page.click("#stop")
    else:
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)


@pytest.mark.parametrize("case", list(CASES))
def test_the_main_plot_fills_the_projector_in_large_type(
    page: Page, live_server: str, console: list[str], tmp_path: Path, case: str
) -> None:
    path, controls = CASES[case]
    open_presenting(page, f"{live_server}{path}")
    # Plotly's resize to the presenter layout: the drawn plot fills its container
    page.wait_for_function(
        """() => { const el = document.querySelector('.panel.presented .plot');
                   return el && el._fullLayout && Math.abs(el._fullLayout.width - el.clientWidth) <= 1; }""",
        timeout=30000,
    )
    page.screenshot(path=tmp_path / f"present-{case}.png")
    plot = page.evaluate(MAIN_PLOT)
    assert plot["scrollW"] <= W and plot["scrollH"] <= H, plot  # no scrollbars
    assert plot["width"] >= 0.95 * W - 16 * (plot["count"] - 1) and plot["height"] >= 0.55 * H, plot
    assert plot["narrowest"] >= 0.45 * W, plot
    assert plot["area"] >= 0.6 * W * H, plot
    assert plot["font"] >= 22
    assert plot["lineWidths"] and max(plot["lineWidths"]) >= 4, plot
    small = [t for t in page.evaluate(TEXT_SIZES) if t["px"] < minimum(t["text"])]
    assert small == [], small
    assert sorted(page.evaluate(VISIBLE_CONTROLS)) == sorted(controls)
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator(".explain").first).to_be_hidden()


def test_arrows_move_the_presented_sliders_and_the_plot_follows(
    page: Page, live_server: str, console: list[str]
) -> None:
    open_presenting(page, f"{live_server}/scalar?weight=1&steps=50&present=1")
    page.keyboard.press("ArrowRight")  # no slider focused: the first presented one (weight)
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('weight=1.01&')", timeout=30000)
    expect(page.locator("#num-weight")).to_have_value("1.01")
    page.keyboard.press("ArrowDown")  # the second one (steps)
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('steps=49')", timeout=30000)
    assert "present=1" in page.url and "weight=1.01" in page.url and "steps=49" in page.url
    page.focus("#in-steps")  # a focused slider takes the arrows itself
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('steps=51')", timeout=30000)
    expect(page.locator("#num-weight")).to_have_value("1.01")
    trace = page.evaluate("() => document.getElementById('plot-factors')._fullData.length")
    assert trace > 0


def test_page_down_and_b_step_through_the_stories_in_presenter_mode(
    page: Page, live_server: str, console: list[str]
) -> None:
    open_presenting(page, f"{live_server}/scalar?story=c1&present=1")
    page.keyboard.press("PageDown")
    page.wait_for_url("**story=c2**")
    assert "present=1" in page.url
    expect(page.locator("body")).to_have_class("present")
    expect(page.locator(".story h2")).to_contain_text("1/4")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.keyboard.press("b")
    page.wait_for_url("**story=c1**")
    assert "present=1" in page.url


def test_the_stories_page_starts_a_presentation(page: Page, live_server: str, console: list[str]) -> None:
    """From the list of stories, one link opens the first in presenter mode, in the list's language."""
    page.set_viewport_size({"width": W, "height": H})
    page.goto(f"{live_server}/stories?lang=zh")
    page.locator("a.present-start").click()
    page.wait_for_url("**story=c1**")
    assert "present=1" in page.url and "lang=zh" in page.url
    expect(page.locator("body")).to_have_class("present")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.keyboard.press("PageDown")
    page.wait_for_url("**story=c2**")
    expect(page.locator("body")).to_have_class("present")


def test_p_toggles_presenter_mode_and_the_url_keeps_it(page: Page, live_server: str, console: list[str]) -> None:
    page.set_viewport_size({"width": W, "height": H})
    page.goto(f"{live_server}/?steps=40")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    expect(page.locator("header")).to_be_visible()
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class("present")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#in-hidden")).to_be_hidden()
    assert "present=1" in page.url
    assert page.evaluate("() => document.getElementById('plot-decay')._fullLayout.font.size") >= 22
    page.keyboard.press("ArrowRight")  # the weight scale moves, and the rewritten URL still presents
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('scale=1.01&')", timeout=30000)
    assert "present=1" in page.url and "steps=40" in page.url
    page.focus("#num-scale")  # keys typed into a field stay there
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class("present")
    page.locator("#num-scale").blur()
    page.keyboard.press("P")
    expect(page.locator("body")).not_to_have_class("present")
    expect(page.locator("header")).to_be_visible()
    expect(page.locator("#in-hidden")).to_be_visible()
    assert "present" not in page.url
    assert page.evaluate("() => document.getElementById('plot-decay')._fullLayout.font.size") == 13


def test_the_exit_button_leaves_presenter_mode(page: Page, live_server: str, console: list[str]) -> None:
    """A lecturer with a clicker or a touch screen, no keyboard: the on-screen button leaves presenter mode."""
    page.set_viewport_size({"width": W, "height": H})
    page.goto(f"{live_server}/?present=1&steps=40&lang=zh")
    exit_button = page.locator("#present-exit")
    expect(exit_button).to_be_visible()
    expect(exit_button).to_have_text("退出演示模式（P）")
    exit_button.click()
    expect(page.locator("body")).not_to_have_class("present")
    expect(exit_button).to_be_hidden()
    expect(page.locator("header")).to_be_visible()
    assert "present" not in page.url and "lang=zh" in page.url


def test_question_mark_shows_the_keys_and_f_asks_for_fullscreen(
    page: Page, live_server: str, console: list[str]
) -> None:
    open_presenting(page, f"{live_server}/feedforward?present=1&lang=zh")
    page.keyboard.press("?")
    dialog = page.locator("#present-help")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("下一个案例")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement === document.documentElement", timeout=10000)
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement === null", timeout=10000)
