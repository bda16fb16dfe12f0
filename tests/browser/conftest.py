"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    """Console errors and uncaught exceptions of the page; the test fails if any remain."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield errors
    assert errors == []
