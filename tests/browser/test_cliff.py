"""The cliff view in a real Chromium against a real uvicorn: surfaces, trajectories, clicks, URL state, errors."""

from __future__ import annotations

import itertools
import math
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.app.endpoints.test_cliff_api import CLIFF_START

pytestmark = pytest.mark.browser


def _wait(page: Page, query_part: str) -> None:
    """Until the surfaces and the trajectories of a state containing query_part are drawn."""
    page.wait_for_function(
        "(q) => (document.body.dataset.rendered || '').includes(q) && (document.body.dataset.side || '').includes(q)",
        arg=query_part,
        timeout=20000,
    )


def _traces(page: Page, div: str) -> Any:
    """A plot's traces as plain JSON (typed arrays become lists)."""
    return page.evaluate(
        f"""document.getElementById('{div}').data.map((t) => ({{
            name: t.name, type: t.type, x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null,
            rows: t.z ? t.z.length : null, cols: t.z ? t.z[0].length : null }}))"""
    )


def _runs(page: Page) -> dict[str, Any]:
    """The three trajectories on the error surface, by name."""
    return {
        t["name"]: t for t in _traces(page, "plot-loss") if t["type"] == "scatter" and t["name"].endswith("clipping")
    }


def test_page_draws_surfaces_trajectories_and_curves(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/cliff")
    _wait(page, "w0=4.75&b0=-2.457")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Cliff & clipping")
    assert page.locator(".katex").count() > 5  # formulas typeset
    for div in ("plot-loss", "plot-grad"):
        heat = _traces(page, div)[0]
        assert heat["type"] == "heatmap" and (heat["rows"], heat["cols"]) == (161, 161)
        assert len(heat["x"]) == 161 and heat["x"][0] == -10 and heat["x"][-1] == 10
    runs = _runs(page)
    assert list(runs) == ["no clipping", "norm clipping", "element-wise clipping"]
    assert all(len(r["x"]) == 101 and (r["x"][0], r["y"][0]) == (4.75, -2.457) for r in runs.values())
    curves = _traces(page, "plot-curves")
    assert [len(t["y"]) for t in curves] == [101, 101, 101]
    assert len(_traces(page, "plot-steps")) == 4  # three runs and lr*v
    expect(page.locator("#summary")).to_contain_text("thrown off the map at step 1")
    expect(page.locator("#wall-note")).to_contain_text("On the wall")
    assert "/api/v1/cliff?w_center=0&" in (page.get_attribute("#json-link", "href") or "")


def test_clicking_the_surface_moves_the_start(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/cliff")
    _wait(page, "w0=4.75&")
    before = _runs(page)["norm clipping"]
    # The pixel of (w, b) = (-5, 5) inside the plot area of the error surface.
    box = page.locator("#plot-loss .nsewdrag[data-subplot=xy]").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.wait_for_function("() => !location.search.includes('w0=4.75')", timeout=10000)
    params = parse_qs(urlparse(page.url).query)
    w0, b0 = float(params["w0"][0]), float(params["b0"][0])
    assert w0 == pytest.approx(-5, abs=0.2) and b0 == pytest.approx(5, abs=0.2)
    _wait(page, f"w0={params['w0'][0]}&b0={params['b0'][0]}&")
    after = _runs(page)
    assert all((r["x"][0], r["y"][0]) == (w0, b0) for r in after.values())
    assert after["norm clipping"]["x"] != before["x"]
    expect(page.locator("#in-w0")).to_have_value(params["w0"][0])
    # The link reproduces the trajectories.
    page.reload()
    _wait(page, f"w0={params['w0'][0]}&")
    assert _runs(page)["norm clipping"]["x"] == after["norm clipping"]["x"]
    # A click in the zoom around the start moves the start to that point of the zoom's axes.
    (z0, z1), (y0, y1) = page.evaluate(
        "['xaxis2', 'yaxis2'].map((a) => document.getElementById('plot-loss').layout[a].range)"
    )
    zoom = page.locator("#plot-loss .nsewdrag[data-subplot=x2y2]").bounding_box()
    assert zoom is not None
    page.mouse.click(zoom["x"] + zoom["width"] * 0.75, zoom["y"] + zoom["height"] * 0.25)
    page.wait_for_function(f"() => !location.search.includes('w0={params['w0'][0]}&')", timeout=10000)
    moved = parse_qs(urlparse(page.url).query)
    assert float(moved["w0"][0]) == pytest.approx(z0 + 0.75 * (z1 - z0), abs=0.02 * (z1 - z0))
    assert float(moved["b0"][0]) == pytest.approx(y1 - 0.25 * (y1 - y0), abs=0.02 * (y1 - y0))


def test_start_and_sliders_work_from_the_keyboard(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/cliff?w0=2&b0=-1&lr=0.5")
    _wait(page, "w0=2&b0=-1&lr=0.5&")
    page.locator("#in-b0").fill("-1.5")
    _wait(page, "b0=-1.5&")
    assert _runs(page)["no clipping"]["y"][0] == -1.5
    page.locator("#in-iterations").focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#num-iterations")).to_have_value("90")
    _wait(page, "iterations=90&")
    assert "iterations=90" in page.url
    assert all(len(r["x"]) == 91 for r in _runs(page).values())


def test_bad_values_are_shown_beside_their_control(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/cliff?iterations=40")
    _wait(page, "iterations=40&")
    page.fill("#num-lr", "11")
    page.press("#num-lr", "Enter")
    expect(page.locator("#err-lr")).to_contain_text("0.01..10")
    expect(page.locator("#in-lr")).to_have_attribute("aria-invalid", "true")
    assert "lr=11" not in page.url and page.input_value("#num-lr") == "11"
    expect(page.locator("#status")).to_contain_text("last valid result")
    assert page.locator("#plot-loss .main-svg").count() > 0  # the last good plots stay up
    assert all(len(r["x"]) == 41 for r in _runs(page).values())
    page.fill("#num-lr", "0.5")
    page.press("#num-lr", "Enter")
    _wait(page, "lr=0.5&")
    expect(page.locator("#err-lr")).to_be_empty()
    page.locator("#in-w0").fill("250")
    expect(page.locator("#err-w0")).to_contain_text("-100..100")
    for query, field, allowed in [("resolution=3", "resolution", "11..201"), ("b_range=0", "b_range", "0.01..50")]:
        page.goto(f"{live_server}/cliff?{query}")  # a bad link: the default, with a note naming the field
        expect(page.locator("#url-note")).to_contain_text(allowed)
        expect(page.locator("#url-note")).to_contain_text(field)


def test_at_the_cliff_only_the_plain_run_is_thrown(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/cliff?{urlencode(CLIFF_START)}")
    _wait(page, "w0=4.75&b0=-2.457&")
    runs = _runs(page)
    cap = CLIFF_START["lr"] * CLIFF_START["threshold"]

    def steps(r: dict[str, Any]) -> list[float]:
        return [math.dist(p, q) for p, q in itertools.pairwise(zip(r["x"], r["y"], strict=True))]

    assert steps(runs["no clipping"])[0] > 100 * cap
    assert max(steps(runs["norm clipping"])) <= cap * (1 + 1e-12)
    assert max(steps(runs["element-wise clipping"])) <= cap * math.sqrt(2) * (1 + 1e-12)
    # The step plot shows the same: one plain step above lr*v by orders of magnitude.
    plain = next(t for t in _traces(page, "plot-steps") if t["name"] == "no clipping")
    assert plain["y"][0] > math.log10(cap) + 2
