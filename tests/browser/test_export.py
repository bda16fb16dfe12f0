"""An exported file opened from disk (file://) in Chromium with the network blocked: it draws, typesets the
story's formula, and its slider moves the figures to the values precomputed for the new position."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from app.export.file import render
from app.export.plan import plan
from app.figures import recurrent_dicts, scalar_dicts
from app.pages.stories import BY_ID
from tests.exported import offline

pytestmark = pytest.mark.browser

# What Plotly drew: the decoded arrays of the first trace of each figure (typed arrays as plain lists).
DRAWN = """(names) => Object.fromEntries(names.map((n) => {
  const t = document.getElementById(`plot-${n}`)._fullData[0];
  return [n, Array.from(t.type === 'heatmap' ? Array.from(t.z).flatMap((r) => Array.from(r)) : t.y, (v) => (Number.isFinite(v) ? v : null))];
}))"""


def _expected(model: str, params: dict[str, float | int]) -> dict[str, list[float | None]]:
    figs = recurrent_dicts(model, params)
    out = {}
    for name, fig in figs.items():
        trace = fig["data"][0]
        values = np.asarray(trace["z"] if trace["type"] == "heatmap" else trace["y"], dtype=np.float32).ravel()
        out[name] = [float(v) if np.isfinite(v) else None for v in values]
    return out


def test_exported_story_works_offline(page: Page, console: list[str], tmp_path: Path) -> None:
    p = plan("c10", points=5)  # LSTM, forget bias 3, T = 100: forget_bias over -5..5 and 3 itself
    file = tmp_path / "story.html"
    file.write_text(render(p), encoding="utf-8")
    requests = offline(page)
    page.goto(file.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    expect(page.locator(".story h2")).to_have_text(BY_ID["c10"].title("en"))
    expect(page.locator(".story-formula .katex").first).to_be_visible()
    names = ["decay", "pairs", "units", "cell"]
    values = p.values[0]
    start = values.index(3.0)
    expect(page.locator("#out-forget_bias")).to_have_text("3")
    drawn = page.evaluate(DRAWN, names)
    assert drawn == _expected("lstm", {"forget_bias": 3.0, "steps": 100})

    slider = page.locator("#in-forget_bias")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    moved = float(values[start - 1])
    page.wait_for_function(f"() => document.body.dataset.frame === '{start - 1}'")
    expect(page.locator("#out-forget_bias")).to_have_text(f"{moved:g}")
    after = page.evaluate(DRAWN, names)
    assert after == _expected("lstm", {"forget_bias": moved, "steps": 100})
    assert after["decay"] != drawn["decay"]
    assert requests == []


def test_exported_scalar_view_moves_two_sliders(page: Page, console: list[str], tmp_path: Path) -> None:
    p = plan("c2", sliders="weight,steps", points=3)  # sigmoid, w = 3.9, T = 100
    assert p.values == [[0.0, 3.0, 3.9, 6.0], [10.0, 100.0, 200.0]]
    file = tmp_path / "c2.html"
    file.write_text(render(p), encoding="utf-8")
    requests = offline(page)
    page.goto(file.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    expect(page.locator(".story-formula .katex").first).to_be_visible()
    page.locator("#in-weight").focus()
    page.keyboard.press("ArrowRight")  # w: 3.9 -> 6
    page.locator("#in-steps").focus()
    page.keyboard.press("ArrowLeft")  # T: 100 -> 10
    page.wait_for_function("() => document.body.dataset.frame === '9'")  # (3, 0) in a 4 x 3 grid
    expect(page.locator("#out-weight")).to_have_text("6")
    expect(page.locator("#out-steps")).to_have_text("10")
    drawn = page.evaluate(
        "() => Array.from(document.getElementById('plot-factors')._fullData[2].y, (v) => (Number.isFinite(v) ? v : null))"
    )
    bars = scalar_dicts({"activation": "sigmoid", "weight": 6.0, "bias": 0, "steps": 10})["factors"]["data"][2]["y"]
    assert drawn == [float(v) for v in bars]
    assert requests == []
