"""Every view on a phone (375x812) and a projector (1920x1080): nothing wider than the screen, plots nearly
as wide as a phone, tap targets of at least 24 px, plot titles and legend entries inside their plots, the nav
wrapping inside the page. Full-page screenshots go to pytest's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

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
DEVICES = {"phone": (375, 812), "projector": (1920, 1080)}

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
  const nav = document.querySelector('nav.views');
  const outside = nav ? [...nav.querySelectorAll('a, button')].filter(visible)
    .filter((a) => box(a).right > box(nav).right + 1 || box(a).left < box(nav).left - 1).map(name) : [];
  return { scrollWidth: document.documentElement.scrollWidth, plots, targets, titles, legends, navOutside: outside };
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
    assert m["navOutside"] == []
