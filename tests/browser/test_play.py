"""Play (static/js/play.js): K or the button sweeps the focused slider, every move drawn before the next and kept in
the URL; Space stops it where it is and K resumes; the speed sets the least interval between moves; presenter mode
plays its first presented slider; the key stays in a field while one is typed into."""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# What the page drew and what Play moved, for one slider: the slider's value in each new body[data-rendered],
# and each `input` event on it (time, value).
RECORD = """(name) => {
  window.__drawn = [];
  window.__moves = [];
  const value = () => new URLSearchParams(document.body.dataset.rendered || '').get(name);
  new MutationObserver(() => { if (window.__drawn.at(-1) !== value()) window.__drawn.push(value()); })
    .observe(document.body, { attributes: true, attributeFilter: ['data-rendered'] });
  const slider = document.getElementById('in-' + name);
  // Captured on the way down, before the page's own listeners run: the time of the move itself.
  window.addEventListener('input', (e) => { if (e.target === slider) window.__moves.push([performance.now(), slider.value]); }, true);
}"""
DRAWN_NOW = "(name) => new URLSearchParams(document.body.dataset.rendered || '').get(name) === document.getElementById('in-' + name).value"


def open_drawn(page: Page, url: str, slider: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.evaluate(RECORD, slider)


def drawn_at_least(page: Page, count: int) -> list[str]:
    page.wait_for_function(f"() => window.__drawn.length >= {count}", timeout=60000)
    drawn: list[str] = page.evaluate("window.__drawn")
    return drawn


def in_url(page: Page, name: str) -> str:
    return parse_qs(urlsplit(page.url).query)[name][0]


def test_k_sweeps_the_focused_slider_space_stops_it_and_k_resumes(
    page: Page, live_server: str, console: list[str]
) -> None:
    open_drawn(page, f"{live_server}/scalar?weight=1&steps=50", "steps")
    page.focus("#in-steps")  # the focused slider, not the first one (weight)
    page.keyboard.press("k")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    drawn = drawn_at_least(page, 3)
    values = [int(v) for v in drawn]
    assert values == sorted(values) and values[0] > 50, values  # up from 50, one state after another
    moved = [v for _, v in page.evaluate("window.__moves")]
    assert drawn[:3] == moved[:3]  # each move was drawn before the next was made
    assert in_url(page, "weight") == "1"

    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#play-said")).to_contain_text("Stopped at Sequence length T")
    page.wait_for_function(DRAWN_NOW, arg="steps", timeout=30000)
    stopped = page.input_value("#in-steps")
    page.wait_for_timeout(1000)  # several moves' worth: none comes
    assert page.input_value("#in-steps") == stopped == in_url(page, "steps")
    expect(page.locator("#num-steps")).to_have_value(stopped)

    page.keyboard.press("k")  # focus is still on the slider
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(f"() => window.__drawn.some((v) => Number(v) > {stopped})", timeout=60000)
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")


def test_the_button_plays_the_first_slider_and_says_so_in_chinese(
    page: Page, live_server: str, console: list[str]
) -> None:
    open_drawn(page, f"{live_server}/scalar?weight=1&steps=50&lang=zh", "weight")
    button = page.locator("#play")
    expect(button).to_have_text("▶ 播放")
    expect(page.locator("#play-hint")).to_contain_text("循环权重 w")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("■ 停止")
    expect(page.locator("#play-said")).to_have_text("正在播放：循环权重 w")
    drawn = drawn_at_least(page, 3)
    assert all(float(v) > 1 for v in drawn), drawn
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_text("▶ 播放")
    page.wait_for_function(DRAWN_NOW, arg="weight", timeout=30000)
    assert in_url(page, "weight") == page.input_value("#in-weight") != "1"
    assert "play" not in urlsplit(page.url).query and "speed" not in urlsplit(page.url).query


def test_the_speed_sets_the_least_interval_between_moves(page: Page, live_server: str, console: list[str]) -> None:
    open_drawn(page, f"{live_server}/scalar?weight=1&steps=50", "weight")
    page.select_option("#play-speed", "600")  # 0.5×
    page.focus("#play-speed")
    page.keyboard.press("k")  # a choice being made keeps the key
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    page.click("#play")
    page.wait_for_function("() => window.__moves.length >= 4", timeout=60000)
    page.click("#play")
    times = [t for t, _ in page.evaluate("window.__moves")]
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 595, gaps
    assert "600" not in urlsplit(page.url).query


def test_k_stays_in_a_number_box(page: Page, live_server: str, console: list[str]) -> None:
    open_drawn(page, f"{live_server}/scalar?weight=1&steps=50", "weight")
    page.focus("#num-weight")
    page.keyboard.press("k")
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    page.locator("#num-weight").blur()
    page.keyboard.press("K")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    drawn_at_least(page, 1)
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")


def test_presenter_mode_plays_the_first_presented_slider(page: Page, live_server: str, console: list[str]) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    # The LSTM presents forget_bias, then steps (in the form steps comes first).
    open_drawn(page, f"{live_server}/?model=lstm&forget_bias=1&steps=40&present=1", "forget_bias")
    expect(page.locator("#play")).to_be_visible()
    expect(page.locator("#play-speed")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#present-help")).to_contain_text("stop playing")
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    drawn = drawn_at_least(page, 3)
    assert all(float(v) > 1 for v in drawn), drawn
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    assert in_url(page, "steps") == "40" and in_url(page, "present") == "1"


@pytest.mark.parametrize(
    ("path", "slider"),
    [
        ("/feedforward?layers=10", "layers"),
        ("/cliff?lr=1", "lr"),
        ("/embed?view=recurrent&controls=steps,scale&text=0", "scale"),
    ],
)
def test_every_view_with_sliders_plays(
    page: Page, live_server: str, console: list[str], path: str, slider: str
) -> None:
    open_drawn(page, f"{live_server}{path}", slider)
    page.click("#play")
    drawn_at_least(page, 3)
    page.click("#play")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(DRAWN_NOW, arg=slider, timeout=30000)
    assert in_url(page, slider) == page.input_value(f"#in-{slider}")


def test_states_that_fail_to_draw_stop_the_sweep(page: Page, live_server: str) -> None:
    """A server that answers errors: each move waits for its drawing a while, then moves on; after a few
    undrawn moves with the error on the page the sweep stops and says why (no console fixture: the failed
    requests are logged)."""
    open_drawn(page, f"{live_server}/scalar?weight=1&steps=50", "weight")
    page.route(
        "**/api/v1/figures/scalar?**",
        lambda route: route.fulfill(status=500, json={"detail": [{"field": None, "message": "broken"}]}),
    )
    page.click("#play")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false", timeout=60000)
    expect(page.locator("#play-said")).to_contain_text("the page could not draw Recurrent weight w")
    moves = page.evaluate("window.__moves.length")
    assert moves >= 3 and page.evaluate("window.__drawn") == []
