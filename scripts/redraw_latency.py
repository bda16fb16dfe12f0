"""Slider-to-redraw latency in headless Chromium: input event -> fetch -> Plotly.react -> plotly_afterplot.

python -m scripts.redraw_latency BASE_URL [QUERY] [N]   (a server must be running at BASE_URL)
Prints p50/p95 in ms over N slider moves of the weight scale (each move a new, uncached configuration).
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from scripts.chromium import launch

# One slider step, timed in the page's own clock: input event -> the answer drawn (every
# Plotly.react of the view done, body[data-rendered] names the new value) -> the next frame.
MEASURE = """async (value) => {
  const slider = document.getElementById('in-scale');
  const t0 = performance.now();
  slider.value = value;
  const want = 'scale=' + slider.value + '&';  // the range input rounds to its step
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve) => {
    const drawn = () => (document.body.dataset.rendered || '').includes(want);
    if (drawn()) return resolve();
    const watch = new MutationObserver(() => { if (drawn()) { watch.disconnect(); resolve(); } });
    watch.observe(document.body, { attributes: true, attributeFilter: ['data-rendered'] });
  });
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return performance.now() - t0;
}"""


def measure(base: str, query: str = "", n: int = 40, path: str = "/", start: float = 0.5) -> list[float]:
    """Milliseconds from slider input to the redrawn view, one per move (each a new value of the scale)."""
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}{path}?{query}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        times = []
        for i in range(n):
            value = f"{start + 0.01 * (i + 1):.2f}"
            times.append(page.evaluate(MEASURE, value))
        browser.close()
    return times


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    base = sys.argv[1]
    query = sys.argv[2] if len(sys.argv) > 2 else ""
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    t = measure(base, query, n)
    print(f"{query or 'default'}: n={n} p50={percentile(t, 50):.1f} ms p95={percentile(t, 95):.1f} ms")


if __name__ == "__main__":
    main()
