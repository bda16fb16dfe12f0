"""Every figure on screen follows a dragged slider: an input every 16 ms for 2 s, as a mouse drag sends them, and
each plot on screen shows at least two intermediate states, not only the last. A behaviour check, with no time
limit (scripts/drag.py measures the rates)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from scripts.drag import DRAG

pytestmark = pytest.mark.browser

# page, slider, from, to
VIEWS = {
    "rnn": ("/?model=rnn", "scale", 0.6, 1.6),
    "lstm": ("/?model=lstm", "scale", 0.6, 1.6),
    "gru": ("/?model=gru", "scale", 0.6, 1.6),
    "compare": ("/?model=compare&steps=40", "scale", 0.6, 1.6),
    "scalar": ("/scalar", "weight", 1.0, 4.0),
    "feedforward": ("/feedforward", "layers", 10, 40),
    "cliff": ("/cliff", "threshold", 0.3, 2.5),
    "presenter": ("/?model=lstm&present=1", "forget_bias", -1.0, 3.0),
    "embed": ("/embed?view=recurrent&model=gru&controls=scale", "scale", 0.6, 1.6),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_figure_on_screen_follows_a_drag(page: Page, live_server: str, console: list[str], view: str) -> None:
    path, slider, lo, hi = VIEWS[view]
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    r: dict[str, Any] = page.evaluate(DRAG, [slider, lo, hi, 2, 16])
    final = f"{slider}={r['inputs'][-1][1]}&"
    end = r["inputs"][-1][0]
    assert r["onScreen"], "no plot on screen"
    for plot, seen in r["states"].items():
        during = {tag for t, tag in seen if t <= end and final not in tag}
        assert len(during) >= 2, f"{plot} showed {len(during)} states during the drag: {sorted(during)}"
    # and every plot of the page that is drawn at all ends on the final state, once the hand is still
    page.wait_for_function(
        """(final) => [...document.querySelectorAll('.plot')].every((el) => !el.dataset.state
                      || el.dataset.state.includes(final))""",
        arg=final,
        timeout=30000,
    )


# Counts, per plot, the draws Plotly.react made with a transition and without one.
COUNT_REACTS = """window.addEventListener('load', () => {
  window.__reacts = {};
  const real = Plotly.react;
  Plotly.react = function (gd, data, layout, ...rest) {
    const kind = layout && layout.transition ? 'transition' : 'whole';
    (__reacts[gd.id] ??= { transition: 0, whole: 0 })[kind] += 1;
    return real.call(this, gd, data, layout, ...rest);
  };
});"""

# Draws plot `id` whole from Plotly's own copy of its figure, as a page load would.
REDRAW_WHOLE = """async (id) => { const el = document.getElementById(id);
  const { transition, ...layout } = el.layout; el.layout = layout; await Plotly.redraw(el);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); }"""


def test_a_figure_drawn_in_place_is_the_figure_drawn_whole(page: Page, live_server: str) -> None:
    """painter.js draws a new state of an unchanged layout in place (inplace.js: the traces recomputed and drawn
    by their own Plotly modules, axes moved by Plotly.relayout): the same pixels as the plot drawn whole."""
    page.add_init_script(COUNT_REACTS)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?model=rnn&scale=0.9")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    r: dict[str, Any] = page.evaluate(DRAG, ["scale", 0.9, 1.3, 1, 16])
    reacts = page.evaluate("__reacts")
    for plot in ("plot-decay", "plot-pairs-rnn", "plot-activation", "plot-units-rnn"):
        states = {tag for _, tag in r["states"][plot]}
        drawn_by_react = reacts.get(plot, {}).get("whole", 0) + reacts.get(plot, {}).get("transition", 0)
        assert len(states) >= 3 and drawn_by_react < len(states), (plot, len(states), reacts.get(plot))
        page.wait_for_timeout(200)
        moved = page.locator(f"#{plot}").screenshot()
        page.evaluate(REDRAW_WHOLE, plot)
        assert page.locator(f"#{plot}").screenshot() == moved, plot


@pytest.mark.parametrize(("lo", "hi"), [(10, 30), (30, 10)])
def test_a_figure_whose_arrays_change_length_is_drawn_in_place_as_drawn_whole(
    page: Page, live_server: str, lo: int, hi: int
) -> None:
    """Dragging the feed-forward depth changes every array's length (the axes' ranges are the figure's): Plotly's
    copies are derived again and the traces drawn in place, more layers or fewer, with no Plotly.react; the last
    state is the same pixels as the plot drawn whole."""
    page.add_init_script(COUNT_REACTS)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/feedforward?layers={lo}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    main = ["plot-grads", "plot-hist"]
    count = f"() => {main}.reduce((n, id) => n + __reacts[id].whole + __reacts[id].transition, 0)"
    before = page.evaluate(count)
    r: dict[str, Any] = page.evaluate(DRAG, ["layers", lo, hi, 1, 16])
    assert all(len({tag for _, tag in r["states"][plot]}) >= 3 for plot in main)
    final = f"layers={r['inputs'][-1][1]}&"
    page.wait_for_function("(f) => document.body.dataset.rendered.includes(f)", arg=final, timeout=60000)
    page.wait_for_timeout(300)
    assert page.evaluate(count) == before, page.evaluate("JSON.stringify(__reacts)")
    for plot in main:
        moved = page.locator(f"#{plot}").screenshot()
        page.evaluate(REDRAW_WHOLE, plot)
        assert page.locator(f"#{plot}").screenshot() == moved, plot


def test_a_longer_run_dragged_is_the_figure_drawn_whole(page: Page, live_server: str) -> None:
    """Dragging the sequence length changes the extent of axes Plotly ranges itself (the unit view's steps): drawn
    by Plotly (the decay curve through its transition path), the last state is the plot drawn whole."""
    page.add_init_script(COUNT_REACTS)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?model=rnn&steps=40")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    r: dict[str, Any] = page.evaluate(DRAG, ["steps", 40, 70, 1, 16])
    assert page.evaluate("__reacts")["plot-decay"]["transition"] >= 1
    final = f"steps={r['inputs'][-1][1]}&"
    page.wait_for_function("(f) => document.body.dataset.rendered.includes(f)", arg=final, timeout=60000)
    page.wait_for_timeout(300)
    for plot in ("plot-decay", "plot-pairs-rnn", "plot-units-rnn"):
        moved = page.locator(f"#{plot}").screenshot()
        page.evaluate(REDRAW_WHOLE, plot)
        assert page.locator(f"#{plot}").screenshot() == moved, plot


# Records the texts of the line above the plots while a drag runs.
WATCH_STATUS = """() => { window.__status = [];
  new MutationObserver(() => __status.push(document.getElementById('status').textContent))
    .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true }); }"""


def test_a_slow_configuration_shows_prepared_states_labelled_during_a_drag(page: Page, live_server: str) -> None:
    """Where the server needs ~200 ms a state (n = 128, T = 500), states along the first slider are prepared once
    the page rests; a drag then shows the nearest prepared ones, labelled, and the exact state when it stops."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?hidden=128&steps=500&scale=1")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.wait_for_function(
        "() => Number((document.body.dataset.prepared || 'x:0').split(':')[1]) >= 12", timeout=120000
    )
    assert page.evaluate("document.body.dataset.prepared").startswith("scale:")
    page.evaluate(WATCH_STATUS)
    r: dict[str, Any] = page.evaluate(DRAG, ["scale", 0.9, 1.15, 1, 16])
    final = f"scale={r['inputs'][-1][1]}&"
    for plot, seen in r["states"].items():
        during = {tag for t, tag in seen if t <= r["inputs"][-1][0] and final not in tag}
        assert len(during) >= 2, f"{plot} showed {len(during)} states during the drag"
    assert any("while the slider moves" in s for s in page.evaluate("__status")), page.evaluate("__status")
    page.wait_for_function("(f) => document.body.dataset.rendered.includes(f)", arg=final, timeout=60000)
    assert "while the slider moves" not in page.locator("#status").inner_text()


def test_a_zoomed_plot_keeps_its_zoom_through_a_drag(page: Page, live_server: str) -> None:
    """The steps the user zoomed to (a box zoom with the mouse) stay while new states are drawn, in place or not,
    as uirevision promises. (The magnitude axis follows the figure's own range, which widens with the curves.)"""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?model=rnn&scale=0.9")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    area = page.locator("#plot-decay .nsewdrag").bounding_box()
    assert area is not None
    x, y, w, h = area["x"], area["y"], area["width"], area["height"]
    page.mouse.move(x + 0.3 * w, y + 0.3 * h)
    page.mouse.down()
    page.mouse.move(x + 0.5 * w, y + 0.5 * h, steps=5)
    page.mouse.move(x + 0.7 * w, y + 0.7 * h, steps=5)
    page.mouse.up()
    ranges = "document.getElementById('plot-decay')._fullLayout.xaxis.range"
    zoomed = page.evaluate(ranges)
    r: dict[str, Any] = page.evaluate(DRAG, ["scale", 0.9, 1.6, 1, 16])
    assert len({tag for _, tag in r["states"]["plot-decay"]}) >= 3
    assert page.evaluate(ranges) == zoomed


@pytest.mark.parametrize(
    ("path", "slider", "lo", "hi", "plots"),
    [
        ("/cliff", "threshold", 0.3, 1.5, ("plot-loss", "plot-grad")),
        ("/?model=compare&steps=40", "scale", 0.8, 1.3, ("plot-decay", "plot-pairs-lstm", "plot-cell", "plot-carry")),
        ("/feedforward", "layers", 10, 30, ("plot-grads", "plot-hist")),
    ],
)
def test_after_a_drag_every_plot_is_the_plot_drawn_whole(
    page: Page, live_server: str, path: str, slider: str, lo: float, hi: float, plots: tuple[str, ...]
) -> None:
    """Whichever way each state was drawn (in place, by transition, whole), the last one is the same picture as its
    figure drawn whole: nothing of an earlier state stays behind (a zoom's extent, a run, an axis)."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    r: dict[str, Any] = page.evaluate(DRAG, [slider, lo, hi, 1, 16])
    final = f"{slider}={r['inputs'][-1][1]}&"
    page.wait_for_function("(f) => document.body.dataset.rendered.includes(f)", arg=final, timeout=60000)
    page.wait_for_timeout(300)
    for plot in plots:
        moved = page.locator(f"#{plot}").screenshot()
        page.evaluate(REDRAW_WHOLE, plot)
        assert page.locator(f"#{plot}").screenshot() == moved, plot


def test_a_trace_hidden_from_the_legend_stays_hidden_through_a_drag(page: Page, live_server: str) -> None:
    """A click on a legend entry hides its line; new states drawn in place keep it hidden, as uirevision does."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?model=rnn&scale=0.9")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.locator("#plot-decay .legend .legendtoggle").nth(1).click()
    visible = "document.getElementById('plot-decay')._fullData.map((t) => t.visible)"
    # Plotly applies a single click once the double-click time has passed
    page.wait_for_function(f"() => {visible}[1] === 'legendonly'")
    page.evaluate(DRAG, ["scale", 0.9, 1.6, 1, 16])
    assert page.evaluate(visible)[1] == "legendonly"
