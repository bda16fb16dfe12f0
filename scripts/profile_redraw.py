"""Where a slider step's time goes in the browser: server compute, transfer, drawing.

python -m scripts.profile_redraw BASE_URL [QUERY] [N]   (a server must be running at BASE_URL)
"""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright

from scripts.chromium import launch
from scripts.redraw_latency import MEASURE

BREAKDOWN = """() => {
  const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/')).pop();
  const render = performance.getEntriesByName('render').pop();
  const compute = (api.serverTiming || []).find((s) => s.name === 'compute');
  return { request: api.responseEnd - api.startTime, compute: compute ? compute.duration : 0,
           bytes: api.encodedBodySize, render: render.duration, url: api.name };
}"""


def main() -> None:
    base = sys.argv[1]
    query = sys.argv[2] if len(sys.argv) > 2 else ""
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/?{query}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        for i in range(n):
            total = page.evaluate(MEASURE, ["scale", f"{3.0 + 0.01 * (i + 1):.2f}"])[1]
            rows.append({**page.evaluate(BREAKDOWN), "total": total})
        browser.close()
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(
        f"{query or 'default'} (median of {n}): total {med['total']:.0f} ms = request {med['request']:.0f} ms "
        f"(server compute {med['compute']:.0f} ms, {med['bytes'] / 1024:.0f} KB) + drawing {med['render']:.0f} ms "
        f"+ the rest {med['total'] - med['request'] - med['render']:.0f} ms (event, decode, frame)"
    )


if __name__ == "__main__":
    main()
