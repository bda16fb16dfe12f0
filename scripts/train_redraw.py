"""The training lab's redraw in headless Chromium: a run streams, then the four figures it drew last are drawn
again with Plotly.react, each one timed (decoding is not part of it: the page decodes each figure once).

    python -m scripts.train_redraw [QUERY] [N]

Starts its own server; prints the median over N redraws, in ms, per figure and for the four together.
"""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright

from scripts.chromium import launch
from scripts.serve import running_server

# Every figure drawn once more with its own data and layout (a full redraw, as a new event brings).
REDRAW = """async () => {
  const out = {};
  for (const name of ['loss', 'grad', 'heat', 'far']) {
    const el = document.getElementById(`plot-${name}`);
    const data = el.data.map((t) => ({ ...t }));
    const t0 = performance.now();
    await Plotly.react(el, data, { ...el.layout });
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    out[name] = performance.now() - t0;
  }
  return out;
}"""


def main(query: str, n: int) -> None:
    with running_server() as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(f"{base}/train?{query}")
        page.click("#start")
        page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=600_000)
        times = [page.evaluate(REDRAW) for _ in range(n)]
        for name in times[0]:
            print(f"{name}: {statistics.median(t[name] for t in times):.1f} ms", flush=True)
        print(f"all four: {statistics.median(sum(t.values()) for t in times):.1f} ms")
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "model=rnn&iterations=2000", int(sys.argv[2]) if len(sys.argv) > 2 else 10
    )
