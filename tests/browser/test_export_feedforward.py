"""An exported feed-forward file opened from disk (file://) in Chromium with the network blocked: it draws the
story, its choice slider (the weight init) and its depth slider move the figures to the values precomputed for
the new position, the same numbers app.figures builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from app.export.file import render
from app.export.plan import plan
from app.figures import feedforward_dicts
from app.pages.stories import BY_ID
from tests.exported import offline

pytestmark = pytest.mark.browser

# What Plotly drew: every trace's y (lines, bars) or z (the histogram) as plain lists, NaN as None.
DRAWN = """(names) => Object.fromEntries(names.map((n) => {
  const plain = (a) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
  return [n, document.getElementById(`plot-${n}`)._fullData.map((t) =>
    t.type === 'heatmap' ? Array.from(t.z).flatMap(plain) : plain(t.y))];
}))"""
NAMES = ["grads", "hist", "dead"]


def _expected(params: dict[str, Any]) -> dict[str, list[list[float | None]]]:
    out = {}
    for name, fig in feedforward_dicts(params).items():
        traces = []
        for trace in fig["data"]:
            values = np.asarray(trace["z"] if trace["type"] == "heatmap" else trace["y"], dtype=np.float32).ravel()
            traces.append([float(v) if np.isfinite(v) else None for v in values])
        out[name] = traces
    return out


def test_exported_story_moves_the_init_and_the_depth_offline(page: Page, console: list[str], tmp_path: Path) -> None:
    p = plan("c14", "init,layers", points=3)  # ReLU, N(0, 1) weights, 20 layers
    assert p.values == [["xavier", "he", "orthogonal", "normal", "small"], [2.0, 20.0, 52.0, 100.0]]
    file = tmp_path / "c14.html"
    file.write_text(render(p), encoding="utf-8")
    requests = offline(page)
    page.goto(file.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    expect(page.locator(".story h2")).to_have_text(BY_ID["c14"].title("en"))
    expect(page.locator(".story-formula .katex").first).to_be_visible()
    expect(page.locator("#out-init")).to_have_text("normal")
    expect(page.locator("#out-layers")).to_have_text("20")
    assert page.evaluate(DRAWN, NAMES) == _expected({"activation": "relu", "init": "normal", "layers": 20})

    page.locator("#in-init").focus()
    page.keyboard.press("ArrowLeft")  # normal -> orthogonal
    page.wait_for_function("() => document.body.dataset.frame === '9'")  # (2, 1) in a 5 x 4 grid
    expect(page.locator("#out-init")).to_have_text("orthogonal")
    expect(page.locator("#in-init")).to_have_attribute("aria-valuetext", "Weight init orthogonal")
    assert page.evaluate(DRAWN, NAMES) == _expected({"activation": "relu", "init": "orthogonal", "layers": 20})

    page.locator("#in-layers").focus()
    page.keyboard.press("ArrowRight")  # 20 -> 52 layers
    page.wait_for_function("() => document.body.dataset.frame === '10'")
    expect(page.locator("#out-layers")).to_have_text("52")
    drawn = page.evaluate(DRAWN, NAMES)
    assert drawn == _expected({"activation": "relu", "init": "orthogonal", "layers": 52})
    assert len(drawn["hist"][0]) == 52 * 42
    title = page.evaluate("document.getElementById('plot-dead').layout.title.text")
    assert title == "Flat and dead units per layer"
    assert requests == []
