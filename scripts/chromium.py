"""Debian's Chromium for Playwright: the launch flags that work headless, as root, with no network."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, Playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(p: Playwright) -> Browser:
    """A headless Chromium from the system package (Playwright's own browser download is not used)."""
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit("chromium is not installed: run scripts/ensure-system.sh")
    return p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
