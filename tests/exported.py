"""Reading an exported file (app/export/file.py) in the tests: its config and its packed frames, as the file's
player (static/js/export_player.js) reads them, and a browser page that may load nothing but the file."""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any

from playwright.sync_api import Page, Route


def packed_frames(html: str) -> list[dict[str, Any]]:
    """The frames as packed in the file (a large array repeated across frames stays {"same": path})."""
    found = re.search(r'<script type="application/octet-stream" id="export-frames">([^<]+)</script>', html)
    assert found is not None
    frames: list[dict[str, Any]] = json.loads(gzip.decompress(base64.b64decode(found.group(1))))
    return frames


def packed_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="export-config">([^<]+)</script>', html)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def restore(frames: list[Any]) -> list[Any]:
    """What the player does: each {"same": path} becomes the object at that path."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"same"}:
                at: Any = frames
                for key in node["same"]:
                    at = at[key]
                return at
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return [walk(f) for f in frames]


def offline(page: Page) -> list[str]:
    """Abort every request that is not the file itself (or data:/blob:); the list collects them."""
    requests: list[str] = []

    def block(route: Route) -> None:
        if not route.request.url.startswith(("file:", "data:", "blob:")):
            requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block)
    return requests
