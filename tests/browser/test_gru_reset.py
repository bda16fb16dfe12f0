"""The GRU's reset convention on the page, in a real Chromium against a real uvicorn: a checkbox shown with the
GRU, kept in the URL (and by /embed and presenter mode), that redraws the GRU's figures and switches the candidate's
formula."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

BEFORE = '#panel-carry .candidate[data-reset-after="false"]'
AFTER = '#panel-carry .candidate[data-reset-after="true"]'


def _wait_rendered(page: Page, pair: str) -> None:
    """Until the figures of a state with `pair` (e.g. reset_after=true) are all drawn."""
    page.wait_for_function(
        "(p) => (document.body.dataset.rendered || '').split('&').includes(p)", arg=pair, timeout=30000
    )


def _data(page: Page, div: str) -> Any:
    """A plot's numbers as JSON text: the heatmap's z, or every line's y."""
    return page.evaluate(
        "(id) => JSON.stringify(document.getElementById(id).data.map((t) => (t.z ?? [t.y]).map((r) => Array.from(r))))",
        div,
    )


def test_the_checkbox_redraws_the_gru_and_its_formula_and_the_url_keeps_it(
    page: Page, live_server: str, console: list[str]
) -> None:
    page.goto(f"{live_server}/?model=gru&steps=20&scale=2")
    _wait_rendered(page, "reset_after=false")
    box = page.locator("#in-reset_after")
    expect(box).to_be_visible()
    expect(box).not_to_be_checked()
    expect(page.locator(BEFORE)).to_be_visible()
    expect(page.locator(AFTER)).to_be_hidden()
    pairs, carry, decay = _data(page, "plot-pairs-gru"), _data(page, "plot-carry"), _data(page, "plot-decay")

    box.focus()
    page.keyboard.press("Space")  # keyboard operable
    _wait_rendered(page, "reset_after=true")
    assert "reset_after=true" in page.url and "model=gru" in page.url
    assert _data(page, "plot-pairs-gru") != pairs and _data(page, "plot-decay") != decay
    assert _data(page, "plot-carry") != carry  # its full-Jacobian line
    expect(page.locator(AFTER)).to_be_visible()
    expect(page.locator(BEFORE)).to_be_hidden()
    expect(page.locator(f"{AFTER} .katex").first).to_be_visible()  # typeset, not raw TeX
    assert "reset_after=true" in (page.locator("#json-link").get_attribute("href") or "")
    after = _data(page, "plot-pairs-gru")

    page.reload()  # the link restores it
    _wait_rendered(page, "reset_after=true")
    expect(box).to_be_checked()
    expect(page.locator(AFTER)).to_be_visible()
    assert _data(page, "plot-pairs-gru") == after

    box.click()  # and back: the figures of the default convention again
    _wait_rendered(page, "reset_after=false")
    assert _data(page, "plot-pairs-gru") == pairs and "reset_after=false" in page.url
    expect(page.locator(BEFORE)).to_be_visible()

    page.locator('input[name="model"][value="lstm"]').check()
    _wait_rendered(page, "model=lstm")
    expect(box).to_be_hidden()  # a GRU setting, shown with the GRU only
    expect(page.locator("#in-peephole")).to_be_visible()


def test_side_by_side_the_flag_changes_the_gru_column_alone(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/?model=compare&steps=20&scale=2")
    _wait_rendered(page, "model=compare")
    expect(page.locator("#in-reset_after")).to_be_visible()
    before = {m: _data(page, f"plot-pairs-{m}") for m in ("rnn", "lstm", "gru")}
    page.locator("#in-reset_after").check()
    _wait_rendered(page, "reset_after=true")
    after = {m: _data(page, f"plot-pairs-{m}") for m in ("rnn", "lstm", "gru")}
    assert after["gru"] != before["gru"]
    assert (after["rnn"], after["lstm"]) == (before["rnn"], before["lstm"])
    expect(page.locator(AFTER)).to_be_visible()


def test_embed_and_presenter_mode_keep_it(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/embed?view=recurrent&model=gru&steps=20&reset_after=true&controls=reset_after")
    _wait_rendered(page, "reset_after=true")
    expect(page.locator("#in-reset_after")).to_be_checked()
    expect(page.locator("#in-reset_after")).to_be_visible()
    expect(page.locator("#in-update_bias")).to_be_hidden()
    page.locator("#in-reset_after").uncheck()
    _wait_rendered(page, "reset_after=false")
    assert "/embed?" in page.url and "controls=reset_after" in page.url and "view=recurrent" in page.url

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/?model=gru&steps=20&reset_after=true&present=update_bias,reset_after")
    _wait_rendered(page, "reset_after=true")
    expect(page.locator("#in-reset_after")).to_be_visible()
    page.keyboard.press("ArrowDown")  # the second presented control: the checkbox
    _wait_rendered(page, "reset_after=false")
    expect(page.locator("#in-reset_after")).not_to_be_checked()
    page.keyboard.press("ArrowRight")  # the first: the update-gate bias; the flag stays
    page.wait_for_function("() => !(document.body.dataset.rendered || '').includes('update_bias=-1&')", timeout=30000)
    _wait_rendered(page, "reset_after=false")
    assert "present=update_bias%2Creset_after" in page.url and "reset_after=false" in page.url


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("en", "reset_after must be one of: true, false (got 'maybe')"),
        ("zh", "reset_after 必须是以下之一：true, false"),
    ],
)
def test_a_bad_link_falls_back_with_a_note(
    page: Page, live_server: str, console: list[str], lang: str, note: str
) -> None:
    page.goto(f"{live_server}/?model=gru&steps=20&reset_after=maybe&lang={lang}")
    _wait_rendered(page, "reset_after=false")
    expect(page.locator("#url-note")).to_contain_text(note)
    expect(page.locator("#in-reset_after")).not_to_be_checked()
    assert "reset_after=false" in page.url
