"""Where the page's vendored assets live; versions are part of their URLs so caches never serve a stale one."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import plotly

# Inside the package, so that a wheel carries them: in a checkout app/static and app/templates link to the
# repository's top-level static/ and templates/.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
KATEX_VERSION = "0.19.1"
# The pages' and the offline files' plotly.js: the official cartesian bundle (scatter, bar, histogram, heatmap:
# every trace the views draw), 1.5 MB against the full bundle's 4.8 MB, the same release as the Python package's
# (a test checks), so notebooks draw with the same plotly.js.
PLOTLY_CARTESIAN = "vendor/plotly-cartesian-4.1.1/plotly-cartesian.min.js"  # under STATIC_DIR


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """Version of the plotly.js bundle shipped inside the installed plotly package (read from its banner)."""
    with open(PLOTLY_DIR / "plotly.min.js", encoding="utf-8") as fh:
        head = fh.read(200)
    match = re.search(r"plotly\.js v(\S+)", head)
    return match.group(1) if match else "unknown"
