"""The server's limits as the page shows them: a request over the time budget says what to lower (in the
page's language, beside the controls that can fix it), and a busy server is waited out, settings kept."""

from __future__ import annotations

import re
import threading
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from app.service.settings import Settings
from tests.held import held_app, serving

pytestmark = pytest.mark.browser

OVER = "/?model=lstm&hidden=256&steps=1000"  # about 10 s of compute, over the default 5 s


@pytest.mark.parametrize(("lang", "words"), [("en", "lower steps to "), ("zh", "降到")])
def test_a_request_over_the_budget_says_what_to_lower(
    page: Page, live_server: str, console: list[str], lang: str, words: str
) -> None:
    page.goto(f"{live_server}{OVER}&lang={lang}")
    for field in ("steps", "hidden"):
        expect(page.locator(f"#err-{field}")).to_contain_text(words, timeout=20000)
        expect(page.locator(f"#in-{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#status")).to_have_class(re.compile(r"\balert\b"))
    console.clear()  # the browser logs the refused request (422) as a failed load
    assert "hidden=256" in page.url and "steps=1000" in page.url  # nothing the user set is lost
    # The suggested size is answered.
    page.fill("#num-hidden", "128")
    page.press("#num-hidden", "Enter")
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('hidden=128')", timeout=60000)
    expect(page.locator("#err-steps")).to_be_empty()


def test_a_busy_server_is_waited_out(page: Page) -> None:
    settings = Settings(
        max_heavy=1,
        queue_wait_seconds=0,
        heavy_threshold_seconds=0.01,  # every LSTM counts as heavy
        request_timeout_seconds=600,
    )
    app, guard = held_app(settings)
    with serving(app) as base:
        # Another client holds the only slot until released below.
        guard.hold()
        holder = threading.Thread(
            target=lambda: urllib.request.urlopen(f"{base}/api/v1/lstm?hidden=16&steps=20&seed=9", timeout=600).read()
        )
        holder.start()
        assert guard.entered.wait(120)
        page.goto(f"{base}/?model=lstm&steps=40")
        expect(page.locator("#status")).to_contain_text("Server busy; retrying in", timeout=20000)
        assert "steps=40" in page.url
        guard.release.set()
        holder.join(600)
        page.wait_for_function("() => (document.body.dataset.rendered || '').includes('steps=40')", timeout=60000)
        expect(page.locator("#status")).not_to_have_class(re.compile(r"\balert\b"))
