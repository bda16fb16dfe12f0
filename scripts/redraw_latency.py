"""Slider-to-redraw latency in headless Chromium: input event -> fetch -> Plotly.react -> plotly_afterplot.

python -m scripts.redraw_latency BASE_URL [QUERY] [N]   (a server must be running at BASE_URL)
Prints p50/p95 in ms over N slider moves of the weight scale (each move a new, uncached configuration).
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from scripts.chromium import launch

# One slider step, timed in the page's own clock: input event -> the first figure drawn
# (body[data-drawn] names the new value) and -> every figure drawn (body[data-rendered]),
# each followed by the next animation frame. The floor page sets only data-rendered.
MEASURE = """async ([name, value]) => {
  const slider = document.getElementById(`in-${name}`);
  const t0 = performance.now();
  slider.value = value;
  const want = `${name}=${slider.value}&`;  // the range input rounds to its step
  const has = (key) => (document.body.dataset[key] || '').includes(want);
  const until = (key) => new Promise((resolve) => {
    if (has(key)) return resolve();
    const watch = new MutationObserver(() => { if (has(key)) { watch.disconnect(); resolve(); } });
    watch.observe(document.body, { attributes: true });
  });
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  let first = null;
  if ('drawn' in document.body.dataset) { await until('drawn'); await frame(); first = performance.now() - t0; }
  await until('rendered');
  await frame();
  const all = performance.now() - t0;
  return [first === null ? all : first, all];
}"""


def measure(base: str, query: str = "", n: int = 40, path: str = "/", start: float = 0.5) -> list[list[float]]:
    """[first figure, every figure] in milliseconds after slider input, one pair per move (each a new scale)."""
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}{path}?{query}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        times = []
        for i in range(n):
            value = f"{start + 0.01 * (i + 1):.2f}"
            times.append(page.evaluate(MEASURE, ["scale", value]))
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
    first, every = [a for a, _ in t], [b for _, b in t]
    print(
        f"{query or 'default'}: n={n} first figure p50={percentile(first, 50):.1f} p95={percentile(first, 95):.1f} ms; "
        f"every figure p50={percentile(every, 50):.1f} p95={percentile(every, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()
