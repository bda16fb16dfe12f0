"""Every view on a phone (375x812), a laptop (1366x768) and a projector (1920x1080): nothing wider than the
screen, plots nearly as wide as a phone, tap targets of at least 24 px, plot titles and legend entries inside
their plots and clear of the modebar, the nav wrapping inside the page. The recurrent page's decay curve and
(t, k) heatmap are both in a laptop's first screen; on a phone a plot is in the first screen and the main
sliders stay in view above the plots. Full-page screenshots go to pytest's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

VIEWS = {
    "recurrent": "/",
    "compare": "/?model=compare",
    "scalar": "/scalar",
    "feedforward": "/feedforward",
    "cliff": "/cliff",
    "train": "/train",
    "stories": "/stories",
    "story": "/?story=c3&lang=zh",
}
DEVICES = {"phone": (375, 812), "laptop": (1366, 768), "projector": (1920, 1080)}

MEASURE = """() => {
  const visible = (el) => el.checkVisibility() && el.getBoundingClientRect().width > 0;
  const box = (el) => el.getBoundingClientRect();
  const name = (el) => el.id || el.getAttribute('name') || el.textContent.trim().slice(0, 20);
  const plots = [...document.querySelectorAll('.plot')].filter(visible).map((el) => ({ id: el.id, width: box(el).width }));
  // What a finger hits: a checkbox or radio counts with its label.
  const targets = [...document.querySelectorAll('input, select, button, nav a, .story-nav a')].filter(visible)
    .map((el) => { const hit = el.matches('[type=checkbox], [type=radio]') && el.closest('label') ? el.closest('label') : el;
                   return { id: name(el), width: box(hit).width, height: box(hit).height }; });
  const titles = [...document.querySelectorAll('.plot .gtitle')].filter((t) => t.textContent).map((t) => {
    const plot = box(t.closest('.plot')), r = box(t);
    return { plot: t.closest('.plot').id, text: t.textContent, left: r.left - plot.left, right: plot.right - r.right, top: r.top - plot.top };
  });
  // Legend entries: the text of each, measured against its plot's edges.
  const legends = [...document.querySelectorAll('.plot .legend .traces')].filter((t) => t.textContent).map((t) => {
    const plot = box(t.closest('.plot')), r = box(t.querySelector('.legendtext'));
    return { plot: t.closest('.plot').id, text: t.textContent, left: r.left - plot.left, right: plot.right - r.right };
  });
  // The modebar's box (there while hidden: it shows on hover or a tap) against the title's, in one plot.
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const covered = [...document.querySelectorAll('.plot .gtitle')].filter((t) => t.textContent).filter((t) => {
    const bar = t.closest('.plot').querySelector('.modebar');
    return bar && box(bar).width > 0 && meets(box(bar), box(t));
  }).map((t) => t.closest('.plot').id + ': ' + t.textContent);
  const nav = document.querySelector('nav.views');
  const outside = nav ? [...nav.querySelectorAll('a, button')].filter(visible)
    .filter((a) => box(a).right > box(nav).right + 1 || box(a).left < box(nav).left - 1).map(name) : [];
  return { scrollWidth: document.documentElement.scrollWidth, plots, targets, titles, legends, covered, navOutside: outside };
}"""


@pytest.mark.parametrize("screen", list(DEVICES))
@pytest.mark.parametrize("view", list(VIEWS))
def test_the_view_fits_the_device(
    page: Page, live_server: str, console: list[str], tmp_path: Path, view: str, screen: str
) -> None:
    width, height = DEVICES[screen]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}{VIEWS[view]}")
    if page.locator("#plots").count() and not page.locator("#start").count():
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        if view in ("recurrent", "story"):  # the side panels (near/far, spectrum) arrive on their own
            page.wait_for_selector("body[data-side]", state="attached", timeout=60000)
    page.wait_for_load_state("load")
    page.screenshot(path=tmp_path / f"{view}-{screen}.png", full_page=True)
    m = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= width, f"{view} is {m['scrollWidth']} px wide on a {width} px screen"
    if screen == "phone":
        narrow = [p for p in m["plots"] if p["width"] < 0.88 * width]
        assert narrow == [], narrow
    small = [t for t in m["targets"] if t["height"] < 24 or t["width"] < 24]
    assert small == [], f"tap targets under 24 px: {small}"
    spilled = [t for t in m["titles"] if min(t["left"], t["right"], t["top"]) < -1]
    assert spilled == [], f"titles outside their plot: {spilled}"
    cut = [t for t in m["legends"] if min(t["left"], t["right"]) < -1]
    assert cut == [], f"legend entries cut at the plot's edge: {cut}"
    assert m["covered"] == [], f"titles under the modebar: {m['covered']}"
    assert m["navOutside"] == []


def _drawn(page: Page, side: bool = True) -> None:
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    if side:
        page.wait_for_selector("body[data-side]", state="attached", timeout=60000)


TOP = "(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.top, r.bottom]; }"


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720), (1920, 1080)])
@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "compare"])
def test_a_laptop_shows_the_decay_curve_and_the_heatmap_at_once(
    page: Page, live_server: str, console: list[str], model: str, size: tuple[int, int]
) -> None:
    """Both whole in the first screen, beside each other, before any scrolling."""
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/" + ("" if model == "rnn" else f"?model={model}"))
    _drawn(page, side=model == "rnn")
    assert page.evaluate("() => window.scrollY") == 0
    decay = page.evaluate(TOP, "#plot-decay")
    heatmap = page.evaluate(TOP, "#plot-pairs .plot")
    assert decay[0] > 0 and decay[1] <= height, f"decay plot at {decay} on a {width}x{height} screen"
    assert heatmap[0] > 0 and heatmap[1] <= height, f"heatmap at {heatmap} on a {width}x{height} screen"
    assert abs(decay[0] - heatmap[0]) < 40, "side by side"


PHONE_VIEWS = {
    "recurrent": ("/", "scale"),
    "lstm": ("/?model=lstm", "forget_bias"),
    "scalar": ("/scalar", "weight"),
    "feedforward": ("/feedforward", "layers"),
    "cliff": ("/cliff", "threshold"),
    "train": ("/train", "lag"),
    "story": ("/?model=lstm&forget_bias=3&steps=100&story=c10&lang=zh", "forget_bias"),
}


@pytest.mark.parametrize("view", list(PHONE_VIEWS))
def test_a_phone_keeps_a_slider_and_a_plot_on_screen_together(
    page: Page, live_server: str, console: list[str], view: str
) -> None:
    """A plot starts in the first screen; scrolled down to a later plot, the bar with the view's main slider is
    still at the top, the plot whole under it; dragging the slider redraws; All settings opens the rest."""
    path, main = PHONE_VIEWS[view]
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}{path}")
    if view != "train":
        _drawn(page, side=view == "recurrent")
    plots = page.locator(".plot:visible")
    first = plots.first.bounding_box()
    assert first is not None and first["y"] < 812 - 100, f"the first plot starts at y = {first}"
    slider = page.locator(f"#in-{main}")
    hidden = page.locator(
        "#controls .control:not(.main-control) input, #controls .control:not(.main-control) select"
    ).first
    expect(slider).to_be_visible()
    expect(hidden).to_be_hidden()
    plot = plots.nth(1)
    page.evaluate(
        "(el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200)", plot.element_handle()
    )
    page.wait_for_timeout(100)
    bar = page.evaluate(TOP, "#controls")
    target = plot.bounding_box()
    box = slider.bounding_box()
    assert page.evaluate("() => window.scrollY") > 300
    assert bar[0] >= -1 and bar[1] <= 200, f"the bar is at {bar} after scrolling"
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= bar[1]
    assert target is not None and target["y"] >= bar[1] and target["y"] + min(target["height"], 300) <= 812
    if view != "train":
        before = page.get_attribute("body", "data-rendered")
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(b) => document.body.dataset.rendered !== b", arg=before, timeout=30000)
    page.click("#more-settings")
    expect(hidden).to_be_visible()
    assert page.get_attribute("#more-settings", "aria-expanded") == "true"
