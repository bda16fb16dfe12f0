"""The page rides out a server restart: a quiet note, the settings kept, the plots back by themselves."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scripts.serve import free_port, running_server

pytestmark = pytest.mark.browser


def test_page_survives_a_server_restart(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    port = free_port()
    with running_server(port=port) as base:
        page.goto(f"{base}/?steps=30")
        page.wait_for_function("() => (document.body.dataset.rendered || '').includes('steps=30&')")
    # The server is gone: a slider move must not freeze or blank the page.
    page.fill("#num-steps", "31")
    page.press("#num-steps", "Enter")
    expect(page.locator("#status")).to_contain_text("Server unreachable", timeout=10000)
    assert "steps=31" in page.url
    assert page.locator("#plot-decay .main-svg").count() > 0
    with running_server(port=port):
        page.wait_for_function("() => (document.body.dataset.rendered || '').includes('steps=31&')", timeout=20000)
        expect(page.locator("#status")).to_be_empty()
    assert errors == []
