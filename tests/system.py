"""System packages the tests use (scripts/ensure-system.sh installs them): a test that needs a missing one
skips, naming the package, except under CI=true, where nothing may skip."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from scripts.nginx_stack import nginx_binary


def require(package: str, present: bool) -> None:
    """Skips the test (fails it under CI=true) when `package` is missing."""
    if present:
        return
    message = f"the Debian package {package} is not installed; scripts/ensure-system.sh installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


def has_cjk_font() -> bool:
    """A font with Chinese glyphs, as fontconfig (which Chromium asks) sees it."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def require_chromium() -> str:
    """Debian's Chromium, and a CJK font: every page links to 中文, so every layout check measures Chinese."""
    path = shutil.which("chromium")
    require("chromium", path is not None)
    require("fonts-noto-cjk", has_cjk_font())
    assert path is not None
    return path


def require_nginx() -> None:
    require("nginx", nginx_binary() is not None)


def require_wrk() -> None:
    require("wrk", shutil.which("wrk") is not None)
