"""The training lab in a real Chromium against a real uvicorn: a short run fills the plots, Stop ends a long
one on the server, settings live in the URL, bad values are caught before a run starts."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SHORT = "model=gru&task=recall&lag=6&hidden=8&batch=8&iterations=60&seed=2"
LONG = "model=lstm&lag=200&hidden=64&batch=64&iterations=20000"  # far longer than any test waits


def _traces(page: Page, div: str) -> Any:
    return page.evaluate(
        f"""document.getElementById('{div}').data.map((t) => ({{
            name: t.name, type: t.type, x: t.x ? Array.from(t.x) : null,
            y: t.y ? Array.from(t.y) : null, z: t.z ? t.z.map((r) => Array.from(r)) : null }}))"""
    )


def _running(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/train/status", timeout=30) as r:
        return int(json.loads(r.read())["running"])


def _wait_idle(base: str) -> None:
    deadline = time.monotonic() + 30
    while _running(base):
        assert time.monotonic() < deadline, "the server kept training after the page stopped"
        time.sleep(0.1)


def test_a_short_run_fills_the_progress_bar_and_every_plot(page: Page, live_server: str, console: list[str]) -> None:
    _wait_idle(live_server)
    page.goto(f"{live_server}/train?{SHORT}")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Training lab")
    page.click("#start")
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)
    assert page.eval_on_selector("#progress", "p => [p.value, p.max]") == [60, 60]
    expect(page.locator("#progress-text")).to_contain_text("update 60 of 60")
    loss = _traces(page, "plot-loss")
    assert [t["name"] for t in loss][:3] == ["cross-entropy, each minibatch", "running mean", "accuracy (running mean)"]
    assert loss[0]["x"] == list(range(1, 61)) and all(v is not None and v > 0 for v in loss[0]["y"])
    assert loss[-1]["name"] == "held-out"
    grad = _traces(page, "plot-grad")
    assert len(grad[0]["y"]) == 60 and all(isinstance(v, float) for v in grad[0]["y"])
    (heat,) = _traces(page, "plot-heat")
    assert len(heat["z"]) == 60 and {len(r) for r in heat["z"]} == {8}  # one row per update, k = 0..T (T = 7)
    assert all(r[-1] == 0 for r in heat["z"])  # relative to k = T
    far = _traces(page, "plot-far")
    assert len(far[0]["y"]) == 60
    expect(page.locator("#summary")).to_contain_text("Held-out accuracy")
    assert page.locator(".katex").count() > 5
    expect(page.locator("#start")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()


def test_stop_ends_the_run_on_the_server_by_keyboard(page: Page, live_server: str, console: list[str]) -> None:
    _wait_idle(live_server)
    page.goto(f"{live_server}/train?{LONG}")
    page.locator("#start").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => Number(document.body.dataset.updates || 0) >= 1", timeout=60000)
    expect(page.locator("#stop")).to_be_focused()
    expect(page.locator("#in-model")).to_be_disabled()  # the whole fieldset locks
    assert _running(live_server) == 1
    assert 0 < page.eval_on_selector("#progress", "p => p.value") < 20000
    page.keyboard.press("Enter")  # on Stop
    page.wait_for_function("() => document.body.dataset.run === 'stopped'", timeout=10000)
    expect(page.locator("#status")).to_contain_text("Stopped after")
    _wait_idle(live_server)
    expect(page.locator("#start")).to_be_focused()
    expect(page.locator("#in-model")).to_be_enabled()
    assert len(_traces(page, "plot-grad")[0]["y"]) >= 1  # what arrived stays drawn


def test_settings_live_in_the_url_and_bad_values_stop_a_start(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/train?model=lstm&lag=40")
    expect(page.locator("#num-lag")).to_have_value("40")
    page.locator("#in-lag").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#num-lag")).to_have_value("43")
    assert "lag=43" in page.url
    expect(page.locator("#in-forget_bias")).to_be_visible()
    expect(page.locator("#in-reg_weight")).to_be_hidden()
    page.select_option("#in-model", "rnn")
    expect(page.locator("#in-forget_bias")).to_be_hidden()
    expect(page.locator("#in-reg_weight")).to_be_visible()
    page.select_option("#in-clip", "none")
    expect(page.locator("#in-threshold")).to_be_hidden()
    assert "model=rnn" in page.url and "clip=none" in page.url
    page.fill("#in-lr", "0")
    page.press("#in-lr", "Tab")
    expect(page.locator("#err-lr")).to_contain_text("0.00001..10")
    page.click("#start")
    expect(page.locator("#status")).to_contain_text("Fix the highlighted value")
    assert page.evaluate("document.body.dataset.run") == "idle"
    assert "lr=0&" not in page.url + "&"  # only a state the lab can run reaches the address bar
    page.reload()
    expect(page.locator("#in-model")).to_have_value("rnn")
    expect(page.locator("#in-lr")).not_to_have_value("0")
    expect(page.locator("#err-lr")).to_be_empty()


STORY = f"{SHORT}&story=c11"  # the story's banner with a short run's settings
# The page believes it is in a background tab until the test shows it (a real tab switch fires the same event).
HIDDEN_TAB = """
    window.__shown = false;
    Object.defineProperty(Document.prototype, "visibilityState", { get: () => (window.__shown ? "visible" : "hidden") });
    Object.defineProperty(Document.prototype, "hidden", { get: () => !window.__shown });
"""
SHOW_TAB = "() => { window.__shown = true; document.dispatchEvent(new Event('visibilitychange')); }"


def _runs_asked(page: Page) -> list[str]:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/train?" in r.url else None)
    return asked


def test_a_story_opens_with_its_run_going(page: Page, live_server: str, console: list[str]) -> None:
    _wait_idle(live_server)
    asked = _runs_asked(page)
    page.goto(f"{live_server}/train?{STORY}")
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)  # no click
    assert page.evaluate("document.body.dataset.autostarted") == "1"
    expect(page.locator("#start")).to_be_focused()  # once the run ends, as after a run started by hand
    expect(page.locator("#plot-loss .gtitle")).to_have_text("cross-entropy per update · live run, seed 2")
    assert len(_traces(page, "plot-loss")[0]["y"]) == 60
    page.evaluate(SHOW_TAB)  # shown again: no second run
    page.wait_for_timeout(500)
    assert len(asked) == 1 and page.evaluate("document.body.dataset.run") == "done"


def test_a_story_in_a_background_tab_starts_when_shown_and_plain_lab_waits(
    page: Page, live_server: str, console: list[str]
) -> None:
    _wait_idle(live_server)
    asked = _runs_asked(page)
    page.goto(f"{live_server}/train?{SHORT}")  # no story: as before, nothing runs until Start
    page.wait_for_timeout(800)
    assert page.evaluate("document.body.dataset.run") == "idle" and asked == []
    page.add_init_script(HIDDEN_TAB)
    page.goto(f"{live_server}/train?{STORY}")
    page.wait_for_timeout(800)
    assert page.evaluate("document.body.dataset.run") == "idle" and asked == [] and _running(live_server) == 0
    page.evaluate(SHOW_TAB)
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)
    assert len(asked) == 1


def test_a_run_started_by_hand_first_is_the_only_one(page: Page, live_server: str, console: list[str]) -> None:
    _wait_idle(live_server)
    asked = _runs_asked(page)
    page.add_init_script(HIDDEN_TAB)
    page.goto(f"{live_server}/train?{STORY}")
    page.click("#start")
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)
    page.evaluate(SHOW_TAB)
    page.wait_for_timeout(500)
    assert len(asked) == 1 and page.evaluate("document.body.dataset.autostarted") is None


# The accuracy axis's tick labels inside the plot, and the chance label clear of the 100 % line.
FITS = """() => {
  const div = document.getElementById("plot-loss");
  const box = div.getBoundingClientRect();
  const ticks = [...div.querySelectorAll(".y2tick text")].map((t) => t.getBoundingClientRect());
  const y2 = div._fullLayout.yaxis2;
  const full = box.top + div._fullLayout._size.t + y2.l2p(1);
  const label = [...div.querySelectorAll(".annotation")].find((a) => a.textContent.startsWith("chance"));
  const r = label.getBoundingClientRect();
  return { ticks: ticks.length, inside: ticks.every((t) => t.left >= box.left && t.right <= box.right + 0.5),
           clear: r.top > full + 4 || r.bottom < full - 4 };
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1366, 768), (375, 812)])
def test_the_loss_plot_keeps_its_right_axis_and_labels_on_screen(
    page: Page, live_server: str, console: list[str], size: tuple[int, int]
) -> None:
    _wait_idle(live_server)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    present = "&present=1" if size[0] >= 1280 else ""
    page.goto(f"{live_server}/train?{SHORT}{present}")
    page.click("#start")
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)
    page.wait_for_timeout(300)
    fit = page.evaluate(FITS)
    assert fit == {"ticks": 5, "inside": True, "clear": True}, size
