"""The deep feed-forward view in a real Chromium against a real uvicorn: figures, keyboard, URL state, errors."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _wait_rendered(page: Page, query_part: str) -> None:
    page.wait_for_function("(q) => (document.body.dataset.rendered || '').includes(q)", arg=query_part, timeout=20000)


def _data(page: Page, div: str) -> Any:
    """A plot's traces as plain JSON (typed arrays become lists)."""
    return page.evaluate(
        f"""document.getElementById('{div}').data.map((t) => ({{
            name: t.name, type: t.type, x: t.x ? Array.from(t.x) : null,
            y: t.y ? Array.from(t.y) : null, z: t.z ? t.z.map((r) => Array.from(r)) : null }}))"""
    )


def test_page_draws_gradients_histogram_and_flat_units(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/feedforward")
    _wait_rendered(page, "layers=20&")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Deep feed-forward")
    assert page.locator(".katex").count() > 3  # formulas typeset
    grads = _data(page, "plot-grads")
    assert [len(t["y"]) for t in grads] == [20, 21, 21]  # dE/dW_l for l = 1..20; dE/dh_l and RMS for l = 0..20
    assert grads[0]["x"][0] == 1 and all(isinstance(v, float) for t in grads for v in t["y"])
    (hist,) = _data(page, "plot-hist")
    assert len(hist["z"]) == 20 and {len(r) for r in hist["z"]} == {42}  # below, 40 bins, above
    assert any(v is not None for r in hist["z"] for v in r)
    assert [t["type"] for t in _data(page, "plot-dead")] == ["bar", "bar"]
    expect(page.locator("#summary")).to_contain_text("‖∂E/∂W_20‖")
    assert "/api/v1/feedforward?layers=20&" in (page.get_attribute("#json-link", "href") or "")
    # The sigmoid story: the first layer's gradient is orders of magnitude below the last one's.
    page.click(".stories >> text=sigmoid")
    _wait_rendered(page, "activation=sigmoid")
    expect(page.locator("#summary")).to_contain_text("slower than the last one")
    w = _data(page, "plot-grads")[0]["y"]
    assert w[0] < w[-1] - 5


def test_keyboard_moves_a_slider_and_the_url_follows(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/feedforward")
    _wait_rendered(page, "layers=20&")
    before = _data(page, "plot-grads")[0]["y"]
    page.locator("#in-layers").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#num-layers")).to_have_value("25")
    _wait_rendered(page, "layers=25&")
    assert "layers=25" in page.url
    after = _data(page, "plot-grads")[0]["y"]
    assert len(after) == 25 and after[:20] != before  # the gradient reaching layer 1 crosses five more layers
    assert len(_data(page, "plot-hist")[0]["z"]) == 25
    page.locator("#in-batch_norm").focus()
    page.keyboard.press("Space")
    _wait_rendered(page, "batch_norm=true")
    assert "batch_norm=true" in page.url
    page.reload()
    _wait_rendered(page, "batch_norm=true")
    expect(page.locator("#in-batch_norm")).to_be_checked()
    expect(page.locator("#num-layers")).to_have_value("25")


def test_bad_values_are_shown_beside_their_control(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/feedforward?layers=10")
    _wait_rendered(page, "layers=10&")
    page.fill("#num-layers", "101")
    page.press("#num-layers", "Enter")
    expect(page.locator("#err-layers")).to_contain_text("1..100")
    assert page.input_value("#num-layers") == "101" and "layers=101" not in page.url  # kept in its box, not the URL
    expect(page.locator("#status")).to_contain_text("last valid result")
    assert page.locator("#plot-grads .main-svg").count() > 0  # the last good plots stay up
    assert len(_data(page, "plot-hist")[0]["z"]) == 10
    page.fill("#num-layers", "12")
    page.press("#num-layers", "Enter")
    _wait_rendered(page, "layers=12&")
    expect(page.locator("#err-layers")).to_be_empty()
    for query, field, allowed in [("width=0", "width", "1..256"), ("init=bogus", "init", "xavier")]:
        page.goto(f"{live_server}/feedforward?{query}")  # a bad link: the default, with a note naming the field
        expect(page.locator("#url-note")).to_contain_text(allowed)
        expect(page.locator("#url-note")).to_contain_text(field)


def test_relu_with_normal_init_has_dead_units_and_batch_norm_revives_them(
    page: Page, live_server: str, console: list[str]
) -> None:
    page.goto(f"{live_server}/feedforward?activation=relu&init=normal")
    _wait_rendered(page, "activation=relu&init=normal")
    flat, dead = _data(page, "plot-dead")
    assert "dead" in dead["name"] and max(dead["y"]) > 0 and min(flat["y"]) > 0
    expect(page.locator("#summary dt").nth(4)).to_have_text("dead, mean")
    expect(page.locator("#summary dd").nth(4)).not_to_have_text("0 %")
    notes = page.evaluate("document.getElementById('plot-hist').layout.annotations.map((a) => a.text)")
    assert any("φ′ = 0" in n for n in notes)
    # Centred over the batch, every unit is positive for some input: none is dead.
    page.locator("#in-batch_norm").check()
    _wait_rendered(page, "batch_norm=true")
    assert max(_data(page, "plot-dead")[1]["y"]) == 0


def test_a_leaky_relu_unit_below_zero_is_not_called_dead(page: Page, live_server: str, console: list[str]) -> None:
    """Its negative side passes a gradient of slope 0.01: the summary names the share for what it is."""
    page.goto(f"{live_server}/feedforward?activation=leaky_relu&init=normal")
    _wait_rendered(page, "activation=leaky_relu&init=normal")
    expect(page.locator("#summary dt").nth(4)).to_have_text("a ≤ 0 for every input, mean")
    page.goto(f"{live_server}/feedforward?activation=tanh&lang=zh")
    _wait_rendered(page, "activation=tanh")
    expect(page.locator("#summary dt").nth(4)).to_have_text("对所有输入都饱和的平均比例")
