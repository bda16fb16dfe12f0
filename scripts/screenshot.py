"""Screenshot the running explorer in headless Chromium: python scripts/screenshot.py URL OUT.png [WIDTH HEIGHT]."""

from __future__ import annotations

import shutil
import sys

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    url, out = sys.argv[1], sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1400, 1800)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("console", lambda m: print("console:", m.type, m.text))
        page.on("pageerror", lambda e: print("pageerror:", e))
        page.goto(url)
        page.wait_for_selector("body[data-rendered]", timeout=30000)
        page.wait_for_timeout(300)
        page.screenshot(path=out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
