"""Every story in both languages, in a real Chromium: the view draws every visible plot, with no console error
and no error beside any control."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.pages.stories import STORIES

pytestmark = pytest.mark.browser

# Plots of the visible panels that hold no data points (a Plotly div without traces, or traces without values).
EMPTY_PLOTS = """() => [...document.querySelectorAll('.plot')]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !(el.data || []).some((t) => ['x', 'y', 'z'].some((k) => t[k] && t[k].length > 0)))
  .map((el) => el.id)"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_story_draws_in_both_languages(page: Page, live_server: str, console: list[str], lang: str) -> None:
    page.goto(f"{live_server}/stories?lang={lang}")
    links = page.locator("main ol a")
    expect(links).to_have_count(len(STORIES))
    hrefs = [links.nth(i).get_attribute("href") for i in range(len(STORIES))]
    for story, href in zip(STORIES, hrefs, strict=True):
        assert href is not None and f"story={story.id}" in href
        page.goto(f"{live_server}{href}" if href.startswith("/") else href)
        expect(page.locator(".story h2")).to_have_text(story.title(lang))
        if page.locator("#start").count():  # the training lab's story starts its run by itself
            page.wait_for_function(
                "() => (document.getElementById('plot-loss').data || []).some((t) => t.y && t.y.length > 1)",
                timeout=60000,
            )
            assert page.evaluate("document.body.dataset.autostarted") == "1", story.id
            if page.locator("#stop").is_enabled():
                page.click("#stop")
        else:
            page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        if page.locator("#plot-nearfar").is_visible():
            page.wait_for_selector("body[data-side]", state="attached", timeout=60000)
        assert page.evaluate(EMPTY_PLOTS) == [], story.id
        assert page.locator(".error:not(:empty)").count() == 0, story.id
        assert "alert" not in (page.locator("#status").get_attribute("class") or ""), story.id
        # The story's words are typeset: its formula became KaTeX.
        expect(page.locator(".story .katex").first).to_be_attached()
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", page.locator(".story").inner_text())
