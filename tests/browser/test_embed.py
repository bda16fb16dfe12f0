"""An embedded view in a real iframe: only the asked-for controls, no header, and its height told to the parent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_embedded_view_shows_its_controls_and_keeps_its_flags(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/embed?view=recurrent&model=lstm&controls=scale,forget_bias&text=0")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#in-scale")).to_be_visible()
    expect(page.locator("#in-forget_bias")).to_be_visible()
    expect(page.locator("#in-steps")).to_be_hidden()
    expect(page.locator(".explain").first).to_be_hidden()
    page.locator("#num-scale").fill("2")
    page.locator("#num-scale").press("Enter")
    page.wait_for_function("() => (document.body.dataset.rendered || '').includes('scale=2&')", timeout=30000)
    assert "/embed?" in page.url and "controls=scale%2Cforget_bias" in page.url and "text=0" in page.url


def test_the_parent_page_learns_the_height(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/stories")  # any page of the same server, as the course site
    height = page.evaluate(
        """(src) => new Promise((resolve) => {
            window.addEventListener("message", (e) => {
                if (e.data && e.data.type === "bptt-explorer:height") resolve(e.data.height);
            });
            const frame = document.createElement("iframe");
            frame.src = src;
            frame.style.width = "900px";
            document.body.appendChild(frame);
        })""",
        f"{live_server}/embed?view=scalar&controls=none&text=0",
    )
    assert height > 300
