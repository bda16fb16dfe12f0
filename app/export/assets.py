"""What an exported file inlines: plotly.js (cartesian bundle), KaTeX with its fonts as data: URIs, the player,
and the precomputed frames packed as base64 gzip JSON."""

from __future__ import annotations

import base64
import gzip
import json
import re
from functools import cache
from typing import Any

from app.service.assets import KATEX_VERSION, PLOTLY_CARTESIAN, STATIC_DIR

KATEX_DIR = STATIC_DIR / "vendor" / f"katex-{KATEX_VERSION}"


def pack(obj: Any) -> str:
    """JSON, gzip-compressed, base64: the browser unpacks it with DecompressionStream."""
    raw = json.dumps(obj, separators=(",", ":"), allow_nan=True).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


@cache
def katex_css() -> str:
    """KaTeX's stylesheet with its woff2 fonts inlined as data: URIs (the woff/ttf fallbacks dropped)."""
    css = (KATEX_DIR / "katex.min.css").read_text(encoding="utf-8")

    def font(m: re.Match[str]) -> str:
        data = base64.b64encode((KATEX_DIR / "fonts" / f"{m.group(1)}.woff2").read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    return re.sub(r"src:url\(fonts/([\w-]+)\.woff2\)[^;}]*", font, css)


def script(path: str) -> str:
    """A file under static/ for an inline <script> element."""
    text = (STATIC_DIR / path).read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script")  # never ends the inline element early


@cache
def assets() -> dict[str, str]:
    """The template's inlined scripts and styles, by name."""
    return {
        "plotly_js": script(PLOTLY_CARTESIAN),
        "katex_js": script(f"vendor/katex-{KATEX_VERSION}/katex.min.js"),
        "auto_render_js": script(f"vendor/katex-{KATEX_VERSION}/contrib/auto-render.min.js"),
        "player_js": script("js/export_player.js"),
        "katex_css": katex_css(),
    }


@cache
def fixed_bytes() -> int:
    """Bytes of the file that do not depend on the grid: the inlined libraries and the page."""
    return sum(len(v.encode()) for v in assets().values()) + 20_000
