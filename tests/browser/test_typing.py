"""Typed numbers stay as typed: a number box is not rewritten while the user types into it, key by key, so
`-2.457`, `-2.5` and `0.5` arrive whole (they used to come out as `4572`, `52` and `50`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

CASES = [
    ("/cliff", "#in-w0", "w0", "-2.457"),
    ("/cliff", "#in-b0", "b0", "-2.5"),
    ("/cliff", "#num-threshold", "threshold", "0.5"),
    ("/", "#in-seed", "seed", "12"),
    ("/", "#num-scale", "scale", "0.75"),
]


@pytest.mark.parametrize(("path", "box", "field", "text"), CASES)
def test_a_typed_number_arrives_whole(
    page: Page, live_server: str, console: list[str], path: str, box: str, field: str, text: str
) -> None:
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.click(box, click_count=3)
    page.keyboard.press("Backspace")
    for key in text:
        page.keyboard.type(key)
        page.wait_for_timeout(60)  # a typist's pace: the page answers each key before the next
    assert page.input_value(box) == text
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(q) => (document.body.dataset.rendered || '').includes(q)", arg=f"{field}={text}&", timeout=30000
    )
    assert page.input_value(box) == text and f"{field}={text}" in page.url
    console.clear()  # an intermediate key ("-") may have been refused by the server as it was typed


BAD_LINKS = [
    ("/?scale=abc", "scale", "abc", "scale=1&"),
    ("/?scale=NaN&steps=1e309", "steps", "1e309", "steps=50&"),
    ("/?scale=Infinity", "scale", "Infinity", "scale=1&"),
    ("/?scale=-1", "scale", "-1", "scale=1&"),
    ("/?model=foo", "model", "foo", "model=rnn&"),
    ("/?model=lstm&peephole=maybe", "peephole", "maybe", "peephole=false&"),
    ("/?activation=" + "x" * 5000, "activation", "x" * 40 + "…", "activation=tanh&"),
    ("/scalar?weight=zz", "weight", "zz", "weight=3&"),
    ("/cliff?w0=abc", "w0", "abc", "w0=4.75&"),
    ("/feedforward?layers=-3", "layers", "-3", "layers=20&"),
]


@pytest.mark.parametrize(("path", "field", "given", "default"), BAD_LINKS)
def test_a_bad_value_in_a_link_falls_back_to_the_default_with_a_note(
    page: Page, live_server: str, path: str, field: str, given: str, default: str
) -> None:
    """The page draws the defaults, says which field held what, and the address bar no longer carries the value."""
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    note = page.text_content("#url-note") or ""
    assert field in note and f"'{given}'" in note, note
    assert "x" * 41 not in note
    assert page.locator(".plot .main-svg").count() > 0
    assert "alert" not in (page.get_attribute("#status", "class") or "")
    assert default in page.url + "&" and f"{field}={given}" not in page.url


def test_an_invalid_typed_value_is_kept_in_its_box_and_out_of_the_url(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/cliff?w0=4")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.fill("#in-w0", "150")
    page.press("#in-w0", "Enter")
    page.wait_for_function("() => document.getElementById('err-w0').textContent.includes('-100..100')")
    assert page.input_value("#in-w0") == "150" and "w0=150" not in page.url and "w0=4" in page.url
    assert page.get_attribute("#in-w0", "aria-invalid") == "true"
    page.fill("#in-w0", "4.5")
    page.press("#in-w0", "Tab")  # blur validates as Enter does
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('w0=4.5&')", timeout=30000)
    assert "w0=4.5" in page.url and page.text_content("#err-w0") == ""


def test_a_focused_box_is_not_rewritten_by_other_changes(page: Page, live_server: str) -> None:
    """While the user types in the scale box, a change of the slider from elsewhere (Play, a preset) leaves the
    box's text alone."""
    page.goto(f"{live_server}/")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    page.click("#num-scale", click_count=3)
    page.keyboard.type("0.7")
    page.eval_on_selector(
        "#in-scale", "el => { el.value = '1.5'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('scale=1.5&')", timeout=30000)
    assert page.input_value("#num-scale") == "0.7"
