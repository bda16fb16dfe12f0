"""The explorer in a real Chromium against a real uvicorn: sliders, URL state, errors, offline assets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from core.pairs import MAX_SIDE, sample_steps

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _rendered(page: Page) -> str:
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=20000)
    return page.evaluate("document.body.dataset.rendered")


def _wait_rendered(page: Page, query_part: str) -> None:
    page.wait_for_function("(q) => (document.body.dataset.rendered || '').includes(q)", arg=query_part, timeout=20000)


def _z(page: Page, div: str) -> Any:
    """The heatmap's values as JSON text (NaN cells become null, so equal maps compare equal)."""
    return page.evaluate(f"JSON.stringify(document.getElementById('{div}').data[0].z.map((r) => Array.from(r)))")


def test_slider_moves_heatmap_url_and_reload_restores(page: Page, live_server: str, console: list[str]) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server}/")
    _rendered(page)
    before = _z(page, "plot-pairs-rnn")
    assert page.locator("#plot-decay .main-svg").count() > 0
    assert page.locator(".katex").count() > 3  # formulas typeset by the vendored KaTeX

    slider = page.locator("#in-scale")
    slider.focus()
    for _ in range(50):
        page.keyboard.press("ArrowRight")  # 1.00 -> 1.50 with the keyboard alone
    expect(page.locator("#num-scale")).to_have_value("1.5")
    _wait_rendered(page, "scale=1.5&")
    assert "scale=1.5" in page.url
    after = _z(page, "plot-pairs-rnn")
    assert after != before
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)

    page.reload()
    _wait_rendered(page, "scale=1.5&")
    expect(page.locator("#in-scale")).to_have_value("1.5")
    assert _z(page, "plot-pairs-rnn") == after
    # Offline by default: every request stays on this server.
    assert requests and all(u.startswith(live_server) or u.startswith("data:") for u in requests)


def test_colour_scale_is_fixed_across_slider_positions(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?scale=0.2")
    _wait_rendered(page, "scale=0.2&")
    low = page.evaluate("(({zmin, zmax}) => [zmin, zmax])(document.getElementById('plot-pairs-rnn').data[0])")
    page.fill("#num-scale", "4")
    page.press("#num-scale", "Enter")
    _wait_rendered(page, "scale=4&")
    high = page.evaluate("(({zmin, zmax}) => [zmin, zmax])(document.getElementById('plot-pairs-rnn').data[0])")
    assert low == high == [-10, 10]


def test_bad_value_is_shown_beside_its_control_and_kept(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=rnn&steps=30")
    _wait_rendered(page, "steps=30&")
    page.fill("#num-hidden", "999")
    page.press("#num-hidden", "Enter")
    expect(page.locator("#err-hidden")).to_contain_text("1..256")
    assert page.input_value("#num-hidden") == "999"  # what the user set is not lost: it stays in its box
    assert "hidden=999" not in page.url  # and only a state the view can show reaches the address bar
    expect(page.locator("#status")).to_contain_text("last valid result")
    assert page.locator("#plot-pairs-rnn .main-svg").count() > 0  # the last good plots stay up
    page.fill("#num-hidden", "12")
    page.press("#num-hidden", "Enter")
    _wait_rendered(page, "hidden=12&")
    expect(page.locator("#err-hidden")).to_be_empty()


def test_three_models_side_by_side_with_their_gate_paths(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=both&forget_bias=3&steps=40")  # links from before the GRU still work
    _wait_rendered(page, "model=compare")
    assert page.locator("#plot-pairs > div").count() == 3
    assert page.locator("#plot-units > div").count() == 3
    expect(page.locator("#panel-cell")).to_be_visible()
    expect(page.locator("#panel-carry")).to_be_visible()
    names = page.evaluate("document.getElementById('plot-cell').data.map(t => t.name)")
    assert any("cell path" in n for n in names) and any("full Jacobian" in n for n in names)
    names = page.evaluate("document.getElementById('plot-carry').data.map(t => t.name)")
    assert any("carry path" in n for n in names) and any("σ(−b_z)" in n for n in names)
    decay = page.evaluate("document.getElementById('plot-decay').data.map(t => t.name)")
    assert sum(n.startswith(("RNN", "LSTM", "GRU")) for n in decay) == 3
    # One fixed colour scale for all three, shown once.
    scales = page.evaluate(
        "[...document.querySelectorAll('#plot-pairs > div')].map(d => [d.data[0].zmin, d.data[0].zmax, d.data[0].showscale])"
    )
    assert [s[:2] for s in scales] == [[-10, 10]] * 3 and [s[2] for s in scales] == [False, False, True]
    page.locator('input[name="model"][value="rnn"]').check()
    _wait_rendered(page, "model=rnn")
    expect(page.locator("#panel-cell")).to_be_hidden()
    expect(page.locator("#panel-carry")).to_be_hidden()
    expect(page.locator("#in-forget_bias")).to_be_hidden()
    page.locator('input[name="model"][value="lstm"]').check()
    _wait_rendered(page, "model=lstm")
    expect(page.locator("#panel-nearfar")).to_be_hidden()
    expect(page.locator("#panel-activation")).to_be_hidden()


def test_lstm_variants_are_checkboxes_kept_in_the_url(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=lstm&steps=20&peephole=1")
    _wait_rendered(page, "peephole=true")
    expect(page.locator("#in-peephole")).to_be_checked()
    expect(page.locator("#in-coupled")).not_to_be_checked()
    page.locator("#in-coupled").focus()
    page.keyboard.press("Space")  # keyboard operable
    _wait_rendered(page, "coupled=true")
    assert "coupled=true" in page.url and "peephole=true" in page.url
    page.goto(f"{live_server}/?model=lstm&steps=20&coupled=maybe")  # a bad link: the default, with a note
    expect(page.locator("#url-note")).to_contain_text("true, false")
    expect(page.locator("#in-coupled")).not_to_be_checked()


def test_gru_view_has_its_own_bias_slider(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=gru&steps=30")
    _wait_rendered(page, "model=gru")
    expect(page.locator("#in-update_bias")).to_be_visible()
    expect(page.locator("#in-activation")).to_be_hidden()
    page.fill("#num-update_bias", "4")
    page.press("#num-update_bias", "Enter")
    _wait_rendered(page, "update_bias=4&")
    ref = page.evaluate("Array.from(document.getElementById('plot-carry').data[3].y)")
    assert ref[0] == pytest.approx(30 * np.log10(1 / (1 + np.exp(4))), abs=1e-6)


def test_over_budget_heatmap_is_labelled_as_estimate(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?hidden=8&steps=900")
    _wait_rendered(page, "steps=900")
    expect(page.locator("#pairs-note")).to_contain_text("lower steps to")
    title = page.evaluate("document.getElementById('plot-pairs-rnn').layout.title.text")
    assert "estimate" in title
    rows, y0, dy = page.evaluate(
        "(({z, y0, dy}) => [z.length, y0, dy])(document.getElementById('plot-pairs-rnn').data[0])"
    )
    assert rows == MAX_SIDE and y0 == 0 and round(y0 + dy * (rows - 1)) == 900  # rows are sampled target steps


def test_hover_names_the_cell_and_its_power_of_ten(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?steps=900&hidden=8")
    _wait_rendered(page, "steps=900")
    # A sampled cell: the hover names its target and source steps and the value's power of ten.
    page.evaluate("Plotly.Fx.hover('plot-pairs-rnn', {xval: 450, yval: 900})")
    text = page.locator("#plot-pairs-rnn .hovertext text").text_content()
    m = re.fullmatch(r"k (\d+), t 900: 10\u200b?([-−]?\d+\.\d\d)\u200b?", text or "")
    assert m and int(m.group(1)) in sample_steps(900) and abs(int(m.group(1)) - 450) < 8, text


def test_scalar_view_reads_factor_by_factor(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/scalar")
    _wait_rendered(page, "activation=sigmoid")
    expect(page.locator("#compound")).to_contain_text("0.02552")
    expect(page.locator("#compound")).to_contain_text("37.78")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Scalar RNN")
    # Sigmoid at its fixed point (h0 = 1/2, b = -w/2): every factor is w/4.
    page.fill("#num-weight", "6")
    page.press("#num-weight", "Enter")
    page.fill("#num-bias", "-3")
    page.press("#num-bias", "Enter")
    _wait_rendered(page, "bias=-3&")
    bars = page.evaluate("Array.from(document.getElementById('plot-factors').data.find(t => t.type === 'bar').y)")
    assert bars == pytest.approx([np.log10(1.5)] * 50, abs=1e-6)
    page.fill("#num-eps", "2")
    page.press("#num-eps", "Enter")
    expect(page.locator("#err-eps")).to_contain_text("0..0.99")
    assert page.input_value("#num-eps") == "2" and "eps=2" not in page.url  # kept in its box, not in the URL
    page.click("nav >> text=Recurrent nets")
    _wait_rendered(page, "model=rnn")


def test_saturation_panel_follows_the_input_scale(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?activation=tanh&input_scale=0.1&steps=30")
    _wait_rendered(page, "input_scale=0.1&")
    low = page.locator("#activation-note").text_content() or ""
    page.fill("#num-input_scale", "10")
    page.press("#num-input_scale", "Enter")
    _wait_rendered(page, "input_scale=10&")
    high = page.locator("#activation-note").text_content() or ""
    low_share, high_share = (float(text.split(" %")[0]) for text in (low, high))
    assert low_share < 5 < 30 < high_share  # strong inputs push the units into the flat tails
    names = page.evaluate("document.getElementById('plot-decay').data.map(t => t.name)")
    assert "ρ(W)^(T−k)" in names


def test_near_far_panel_shows_the_far_share(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=rnn")
    _wait_rendered(page, "model=rnn")
    expect(page.locator("#nearfar-note")).to_contain_text("Distances ≥ 10 carry 0.635")
    page.fill("#num-hidden", "256")
    page.press("#num-hidden", "Enter")
    page.fill("#num-steps", "1000")
    page.press("#num-steps", "Enter")
    _wait_rendered(page, "steps=1000&")
    expect(page.locator("#nearfar-note")).to_contain_text("lower steps to")


def test_scalar_view_of_an_exploding_unit_draws_cleanly(page: Page, live_server: str, console: list[str]) -> None:
    # a_t reaches 10^300: such dots are counted, not drawn off the chart (that used to fill the console).
    page.goto(f"{live_server}/scalar?activation=linear&weight=10&steps=300&input_scale=1")
    _wait_rendered(page, "weight=10&")
    names = page.evaluate("document.getElementById('plot-activation').data.map(t => t.name)")
    assert any("beyond ±8" in n for n in names)
