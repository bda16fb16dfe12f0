"""Click-to-redraw time of the cliff page in headless Chromium: a click on the error surface moves the start
(w0, b0) and the three descents are drawn again over the surfaces, with the curves and the step lengths.

python -m scripts.cliff_redraw [BASE_URL] [--clicks N] [--query Q]

Without BASE_URL a server is started on a free port. Each click lands on a new point of the error surface (a
new, uncached start) and is timed in the page's own clock, pointer down -> every figure of the new state drawn
(body[data-rendered] and body[data-side] name it) and the next animation frame; with the bytes and the server's
time until the last of them was answered. Prints medians and p95 in ms.
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import nullcontext
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.chromium import launch
from scripts.redraw_latency import percentile
from scripts.serve import running_server

# Armed before each click: resolves with the time from pointer down on the surface to the first animation frame
# after both loaders drew the state the click wrote into the address bar.
ARM = """() => {
  const before = location.search;
  window.__click = new Promise((resolve) => {
    let t0 = null;
    const plot = document.getElementById('plot-loss');
    plot.addEventListener('pointerdown', () => { t0 = performance.now(); }, { capture: true, once: true });
    const done = () => {
      const tag = location.search.slice(1);
      const b = document.body.dataset;
      return t0 !== null && location.search !== before && b.rendered === tag && b.side === tag;
    };
    const finish = () => requestAnimationFrame(() => {
      const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/') && e.startTime >= t0);
      resolve({
        ms: performance.now() - t0,
        bytes: api.reduce((n, e) => n + e.encodedBodySize, 0),
        requests: api.length,
        answered: Math.max(0, ...api.map((e) => e.responseEnd - t0)),
      });
    });
    const watch = new MutationObserver(() => { if (done()) { watch.disconnect(); finish(); } });
    watch.observe(document.body, { attributes: true });
  });
}"""


def measure(base: str, clicks: int, query: str) -> list[dict[str, float]]:
    """One row per click: ms, bytes, requests, answered (ms after the click)."""
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/cliff?{query}")
        page.evaluate("() => performance.setResourceTimingBufferSize(100000)")
        page.wait_for_function(
            "() => document.body.dataset.rendered && document.body.dataset.side === document.body.dataset.rendered",
            timeout=60000,
        )
        box = page.locator("#plot-loss .nsewdrag").bounding_box()
        assert box is not None
        for i in range(clicks):
            # A walk over the surface: every click a new start.
            fx, fy = 0.15 + 0.7 * ((i * 0.37) % 1), 0.15 + 0.7 * ((i * 0.61) % 1)
            page.evaluate(ARM)
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            rows.append(page.evaluate("() => window.__click"))
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", help="a running server (default: start one)")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--query", default="")
    parser.add_argument("--log", type=Path, default=Path("/tmp/cliff_redraw.log"), help="the started server's log")
    args = parser.parse_args()
    with nullcontext(args.base) if args.base else running_server(log=args.log) as base:
        rows = measure(base, args.clicks, args.query)
    ms = [r["ms"] for r in rows]
    print(
        f"/cliff?{args.query}: {len(rows)} clicks; click -> every figure p50 {statistics.median(ms):.1f} ms, "
        f"p95 {percentile(ms, 95):.1f} ms; per click {statistics.median(r['requests'] for r in rows):.0f} requests, "
        f"{statistics.median(r['bytes'] for r in rows) / 1e3:.0f} kB, "
        f"last answer in after {statistics.median(r['answered'] for r in rows):.1f} ms"
    )


if __name__ == "__main__":
    main()
