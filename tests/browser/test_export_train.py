"""An offline file of training runs opened from disk (file://) in Chromium with the network blocked: it draws the
run at the story's setting, and its slider moves to the run precomputed for the new position, number for number
as app.figures.train draws it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from app.export.file import render
from app.export.plan import plan
from app.figures.train_view import train_dicts
from app.pages.stories import BY_ID
from tests.exported import offline

pytestmark = pytest.mark.browser

STORY = "/train?model=rnn&task=adding&lag=8&hidden=6&batch=6&iterations=40&reg_weight=2&clip=norm&story=c16"
NAMES = ["loss", "grad", "heat", "far"]
# What Plotly drew: the decoded arrays of every trace of each figure (typed arrays as plain lists, NaN as null).
DRAWN = """(names) => Object.fromEntries(names.map((n) => [n, document.getElementById(`plot-${n}`)._fullData.map(
  (t) => Array.from(t.type === 'heatmap' ? Array.from(t.z).flatMap((r) => Array.from(r)) : t.y,
                    (v) => (Number.isFinite(v) ? v : null)))]))"""


def _expected(params: dict[str, str | float]) -> dict[str, list[list[float | None]]]:
    out = {}
    for name, fig in train_dicts(params).items():
        traces = []
        for t in fig["data"]:
            values = np.asarray(t["z"] if t["type"] == "heatmap" else t["y"], dtype=np.float32).ravel()
            traces.append([float(v) if np.isfinite(v) else None for v in values])
        out[name] = traces
    return out


def test_exported_training_story_moves_between_runs_offline(page: Page, console: list[str], tmp_path: Path) -> None:
    p = plan(STORY, points=2)  # reg_weight 0, 2 (the state's) and 4
    assert p.sliders == ["reg_weight"] and p.values == [[0.0, 2.0, 4.0]]
    file = tmp_path / "training.html"
    file.write_text(render(p), encoding="utf-8")
    requests = offline(page)
    page.goto(file.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    expect(page.locator(".story h2")).to_have_text(BY_ID["c16"].title("en"))
    expect(page.locator("#out-reg_weight")).to_have_text("2")
    expect(page.locator("#plot-loss .gtitle")).to_have_text("MSE per update")
    drawn = page.evaluate(DRAWN, NAMES)
    assert drawn == _expected(p.params | {"reg_weight": 2.0})

    slider = page.locator("#in-reg_weight")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.body.dataset.frame === '0'")
    expect(page.locator("#out-reg_weight")).to_have_text("0")
    after = page.evaluate(DRAWN, NAMES)
    assert after == _expected(p.params | {"reg_weight": 0.0})
    assert len(after["far"]) == 2 and len(drawn["far"]) == 3  # Omega's line only with the regulariser on
    assert after["loss"] != drawn["loss"]
    assert requests == [] and console == []
