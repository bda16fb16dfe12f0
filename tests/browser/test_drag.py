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


def test_a_figure_moved_by_the_transition_path_is_the_figure_drawn_whole(page: Page, live_server: str) -> None:
    """painter.js draws a new state of an unchanged figure through Plotly's transition path: the same pixels."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server}/?model=rnn&scale=0.9")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.evaluate(DRAG, ["scale", 0.9, 1.3, 1, 16])
    for plot in ("plot-decay", "plot-activation"):
        assert page.evaluate(f"!!document.getElementById('{plot}').layout.transition"), "not drawn by transition"
        moved = page.locator(f"#{plot}").screenshot()
        page.evaluate(
            f"""async () => {{ const el = document.getElementById('{plot}');
                const {{ transition, ...layout }} = el.layout; el.layout = layout; await Plotly.redraw(el); }}"""
        )
        assert page.locator(f"#{plot}").screenshot() == moved, plot
