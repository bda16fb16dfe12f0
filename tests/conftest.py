"""Shared fixtures: a real uvicorn server on loopback and Debian's Chromium for Playwright."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.chromium import CHROMIUM_ARGS
from scripts.serve import running_server
from tests.system import require_chromium

# Uploaded models go to a directory of this test run, not the user's cache: set before any app is built (the
# servers the tests start inherit it).
if "BPTT_MODEL_DIR" not in os.environ:
    os.environ["BPTT_MODEL_DIR"] = tempfile.mkdtemp(prefix="bptt-test-models-")
    atexit.register(shutil.rmtree, os.environ["BPTT_MODEL_DIR"], True)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Base URL of a real uvicorn serving the app on a free loopback port."""
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium; outside CI a machine without it (or without a CJK font) skips the browser tests."""
    path = require_chromium()
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Tests build absolute URLs from live_server; this replaces pytest-playwright's fallback fixture."""
    return None
