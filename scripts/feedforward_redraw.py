"""Slider-to-redraw time of the feed-forward page in headless Chromium, with where it goes.

python -m scripts.feedforward_redraw [BASE_URL] [--slider input_scale|layers|seed] [--moves N] [--query Q]

Without BASE_URL a server is started on a free port. Each move sets the slider to a new value (a new,
uncached configuration) and times, in the page's own clock, input event -> first figure drawn
(body[data-drawn]) and -> every figure drawn (body[data-rendered]), each followed by the next animation
frame; with the server's compute time (Server-Timing), the answer's bytes and the drawing tasks' own time.
Prints medians and p95 in ms.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from playwright.sync_api import sync_playwright

from scripts.chromium import launch
from scripts.profile_redraw import BREAKDOWN
from scripts.redraw_latency import MEASURE, percentile
from scripts.serve import running_server

# Time spent inside Plotly.react per figure: wraps it once, keeps the last durations.
WRAP = """() => {
  if (window.__reactTimes) return;
  window.__reactTimes = [];
  const react = Plotly.react;
  Plotly.react = function (...args) {
    const t0 = performance.now();
    const out = react.apply(this, args);
    window.__reactTimes.push(performance.now() - t0);
    return out;
  };
}"""


def values(slider: str, moves: int) -> Iterator[str]:
    """A new value per move around the default state."""
    for i in range(moves):
        if slider == "input_scale":
            yield f"{1.0 + 0.01 * (i + 1):.2f}"
        elif slider == "layers":
            yield str(21 + i % 20 if i % 2 == 0 else 20 - i % 19)
        else:
            yield str(i + 1)


def measure(base: str, slider: str, moves: int, query: str) -> list[dict[str, Any]]:
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/feedforward?{query}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        page.evaluate(WRAP)
        for value in values(slider, moves):
            page.evaluate("() => { window.__reactTimes = []; }")
            first, every = page.evaluate(MEASURE, [slider, value])
            row = {"first": first, "every": every, **page.evaluate(BREAKDOWN)}
            row["react"] = sum(page.evaluate("() => window.__reactTimes"))
            rows.append(row)
        browser.close()
    return rows


@contextmanager
def server(base: str | None) -> Iterator[str]:
    with running_server() if base is None else nullcontext(base) as url:
        yield url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", nargs="?", help="a running server (default: start one)")
    ap.add_argument("--slider", default="input_scale", choices=["input_scale", "layers", "seed"])
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--query", default="", help="the page's starting state, e.g. activation=relu&init=he")
    args = ap.parse_args()
    with server(args.base) as base:
        rows = measure(base, args.slider, args.moves, args.query)
    print(f"/feedforward?{args.query} slider {args.slider}, {len(rows)} moves (ms; bytes of one answer)")
    print("| | p50 | p95 |")
    print("|---|---|---|")
    for key in ("first", "every", "request", "compute", "react", "bytes"):
        vals = [r[key] for r in rows]
        fmt = "{:.0f}" if key == "bytes" else "{:.1f}"
        print(f"| {key} | {fmt.format(statistics.median(vals))} | {fmt.format(percentile(vals, 95))} |")
    print(f"answer: {rows[-1]['url'].split('?')[0]}")


if __name__ == "__main__":
    main()
