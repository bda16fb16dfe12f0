"""Shared fixtures: a real uvicorn server on loopback and Debian's Chromium for Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.chromium import CHROMIUM_ARGS
from scripts.serve import running_server


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL of a real uvicorn serving the app on a free loopback port."""
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium; outside CI a machine without it skips the browser tests."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium is not installed; scripts/ensure-chromium.sh installs it")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Tests build absolute URLs from live_server; this replaces pytest-playwright's fallback fixture."""
    return None
