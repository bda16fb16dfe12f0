"""Theory on the RNN view in a real Chromium: the mean-field line, the edge of chaos under the scale slider,
the singular spectrum, and rho(W) < 1 < ||W||_2."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _wait_side(page: Page, query_part: str) -> None:
    """The side panels (near/far, spectrum, mean field) of a state are drawn."""
    page.wait_for_function("(q) => (document.body.dataset.side || '').includes(q)", arg=query_part, timeout=30000)


def _trace_names(page: Page, div: str) -> list[str]:
    return page.evaluate(f"document.getElementById('{div}').data.map((t) => t.name)")


def test_edge_of_chaos_moves_with_the_activation(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=rnn&activation=relu&input_scale=1&bias=0")
    _wait_side(page, "activation=relu")
    expect(page.locator("#chaos-note")).to_contain_text("Edge of chaos χ = 1 at scale 1.414")
    left = page.evaluate("parseFloat(document.querySelector('#chaos-bar .edge').style.left)")
    assert left == pytest.approx(100 * 2**0.5 / 10, abs=0.01)
    assert "mean field χ^((T−k)/2)" in _trace_names(page, "plot-decay")
    page.select_option("#in-activation", "sigmoid")
    _wait_side(page, "activation=sigmoid")
    expect(page.locator("#chaos-note")).to_contain_text("χ < 1 on the whole slider")
    assert page.locator("#chaos-bar .edge").count() == 0


def test_spectrum_histogram_moves_with_the_sequence_length(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=rnn&activation=tanh&scale=1&input_scale=0.1&steps=20")
    _wait_side(page, "steps=20&")
    names = _trace_names(page, "plot-spectrum")
    assert [n.split(":")[0] for n in names] == ["gaussian W", "orthogonal W"]
    first = page.evaluate("document.getElementById('plot-spectrum').data.map((t) => Array.from(t.x))")
    assert all(len(x) == 16 for x in first)
    page.fill("#num-steps", "200")
    page.press("#num-steps", "Enter")
    _wait_side(page, "steps=200&")
    later = page.evaluate("document.getElementById('plot-spectrum').data.map((t) => Array.from(t.x))")
    spread = [max(x) - min(x) for x in later]
    assert spread[1] < spread[0]  # orthogonal stays narrower than gaussian
    expect(page.locator("#spectrum-note")).to_contain_text("dynamical isometry")
    # Over the budget the panel says what to lower and the main figures still draw.
    page.fill("#num-hidden", "256")
    page.press("#num-hidden", "Enter")
    _wait_side(page, "hidden=256&")
    expect(page.locator("#spectrum-note")).to_contain_text("lower hidden to")


def test_rho_line_shows_when_the_norm_bound_says_nothing(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=rnn&activation=linear&scale=0.8&steps=100")
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('scale=0.8&')", timeout=20000)
    expect(page.locator("#summary")).to_contain_text("‖W‖₂ > 1 yet ρ(W) < 1")
    visible = page.evaluate("document.getElementById('plot-decay').data.find((t) => t.name === 'ρ(W)^(T−k)').visible")
    assert visible is True
