"""An exported file of the cliff view opened from disk (file://) in Chromium with the network blocked: the
surfaces (stored once in the file) and the runs are drawn, and moving a slider draws the runs precomputed for
the new position over the same surfaces: the numbers app.figures gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from app.export.file import render
from app.export.plan import plan
from app.figures import cliff_dicts
from app.pages.stories import BY_ID
from tests.exported import offline

pytestmark = pytest.mark.browser

NAMES = ["loss", "grad", "curves", "steps"]
# What Plotly drew: every trace's numbers (heatmaps' z flattened; typed arrays as plain lists; gaps as null).
DRAWN = """(names) => Object.fromEntries(names.map((n) => {
  const plain = (a) => (a ? Array.from(a, (v) => (Number.isFinite(v) ? v : null)) : null);
  const traces = document.getElementById(`plot-${n}`)._fullData.map((t) => (t.type === 'heatmap'
    ? { z: plain(Array.from(t.z).flatMap((r) => Array.from(r))) } : { x: plain(t.x), y: plain(t.y) }));
  return [n, traces];
}))"""


def _plain(values: Any) -> list[float | None]:
    """A trace's array as the browser reads it: float32 arrays at their float32 values, lists as they are."""
    arr = np.asarray(values, dtype=np.float32 if isinstance(values, np.ndarray) else np.float64).ravel()
    return [float(v) if np.isfinite(v) else None for v in arr]


def _expected(params: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, fig in cliff_dicts(params).items():
        out[name] = [
            {"z": _plain(t["z"])} if t["type"] == "heatmap" else {"x": _plain(t["x"]), "y": _plain(t["y"])}
            for t in fig["data"]
        ]
    return out


def test_exported_cliff_story_works_offline(page: Page, console: list[str], tmp_path: Path) -> None:
    p = plan("c8", points=4)  # v = 0.3 at the cliff's edge: threshold over 0.1..4 and 0.3 itself
    values = p.values[0]
    assert values == [0.1, 0.3, 1.4, 2.7, 4.0]
    file = tmp_path / "c8.html"
    file.write_text(render(p), encoding="utf-8")
    requests = offline(page)
    page.goto(file.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    expect(page.locator(".story h2")).to_have_text(BY_ID["c8"].title("en"))
    expect(page.locator(".story-formula .katex").first).to_be_visible()
    expect(page.locator("#out-threshold")).to_have_text("0.3")
    story = dict(BY_ID["c8"].query)
    drawn = page.evaluate(DRAWN, NAMES)
    assert drawn == _expected(story)
    # The surface, the wall (w > 0 and w < 0), three runs, the start, the zoom's window; in the zoom E, the wall,
    # the runs, the start.
    assert len(drawn["loss"]) == 1 + 2 + 3 + 1 + 1 + 1 + 1 + 3 + 1

    slider = page.locator("#in-threshold")
    slider.focus()
    page.keyboard.press("ArrowRight")  # v: 0.3 -> 1.4
    page.wait_for_function("() => document.body.dataset.frame === '2'")
    expect(page.locator("#out-threshold")).to_have_text("1.4")
    after = page.evaluate(DRAWN, NAMES)
    assert after == _expected({**story, "threshold": 1.4})
    assert after["loss"][0] == drawn["loss"][0] and after["grad"][0] == drawn["grad"][0]  # the same surfaces
    assert after["curves"] != drawn["curves"]  # other runs
    assert requests == []
    assert console == []
