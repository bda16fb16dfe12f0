"""Screenshot the running explorer in headless Chromium: python -m scripts.screenshot URL OUT.png [WIDTH HEIGHT]."""

from __future__ import annotations

import contextlib
import sys

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from scripts.chromium import launch


def main() -> None:
    url, out = sys.argv[1], sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1400, 1800)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("console", lambda m: print("console:", m.type, m.text))
        page.on("pageerror", lambda e: print("pageerror:", e))
        page.goto(url)
        page.wait_for_selector("body[data-rendered]", timeout=30000)
        # Side panels (theory, near/far) arrive on their own; pages without them never set this.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_selector("body[data-side]", state="attached", timeout=10000)
        page.wait_for_timeout(300)
        page.screenshot(path=out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
