"""Slider-to-redraw latency in headless Chromium: input event -> fetch -> Plotly.react -> plotly_afterplot.

python -m scripts.redraw_latency BASE_URL [QUERY] [N]   (a server must be running at BASE_URL)
Prints p50/p95 in ms over N slider moves of the weight scale (each move a new, uncached configuration).
"""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright

from scripts.chromium import launch

# Resolves when the decay plot has redrawn after one slider step; times it in the page's own clock.
MEASURE = """async (value) => {
  const slider = document.getElementById('in-scale');
  const plot = document.getElementById('plot-decay');
  return await new Promise((resolve) => {
    const t0 = performance.now();
    slider.value = value;
    const actual = slider.value;  // the range input rounds to its step
    const done = () => {
      if (!(document.body.dataset.rendered || '').includes('scale=' + actual + '&')) return;
      plot.removeListener('plotly_afterplot', done);
      resolve(performance.now() - t0);
    };
    plot.on('plotly_afterplot', done);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
}"""


def measure(base: str, query: str = "", n: int = 40) -> list[float]:
    """Milliseconds from slider input to the redrawn plot, one per move."""
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/?{query}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        times = []
        for i in range(n):
            value = f"{0.5 + 0.01 * (i + 1):.2f}"
            times.append(page.evaluate(MEASURE, value))
        browser.close()
    return times


def main() -> None:
    base = sys.argv[1]
    query = sys.argv[2] if len(sys.argv) > 2 else ""
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    t = sorted(measure(base, query, n))
    p95 = t[min(len(t) - 1, round(0.95 * (len(t) - 1)))]
    print(
        f"{query or 'default'}: n={n} p50={statistics.median(t):.1f} ms p95={p95:.1f} ms min={t[0]:.1f} max={t[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
