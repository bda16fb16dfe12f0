"""Where a drag's main-thread time goes, in headless Chromium: a sampled JavaScript profile of a 2 s drag.

python -m scripts.profile_drag BASE_URL [PATH] [SLIDER LO HI] [WIDTHxHEIGHT]
(a server must be running at BASE_URL; defaults: "/", scale 0.6 -> 1.6, 1400x1000)

Prints the drag's states per plot, then the main thread's time by what it was doing (each sample of Chromium's
CPU profiler goes to the script it was in, native rendering work (style, layout, paint) to "(program)"), also
divided by the states drawn, and the Plotly.react calls each plot needed (new states drawn in place need none).
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from playwright.sync_api import sync_playwright

from scripts.chromium import launch
from scripts.drag import DRAG

# Times every draw of a plot (Plotly.react, Plotly's resize and the painter's repaint) in the page's own clock.
TIMING = """window.addEventListener('load', () => {
  window.__draws = [];
  const wrap = (obj, name, label) => {
    const real = obj[name];
    obj[name] = function (gd, ...rest) {
      const t0 = performance.now();
      const out = real.call(this, gd, ...rest);
      __draws.push([t0, performance.now() - t0, gd.id || '', label]);
      return out;
    };
  };
  wrap(Plotly, 'react', 'react');
});"""


def bucket(url: str, name: str) -> str:
    if not url:
        return name if name.startswith("(") else "(native)"
    tail = url.rsplit("/", 1)[-1].split("?")[0]
    return "plotly.js" if "plotly" in tail else tail


def profile(base: str, path: str, slider: str, lo: float, hi: float, size: tuple[int, int]) -> None:
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.add_init_script(TIMING)
        page.goto(f"{base}{path}")
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        r: dict[str, Any] = page.evaluate(DRAG, [slider, lo, hi, 2, 16])
        prof = cdp.send("Profiler.stop")["profile"]
        draws = page.evaluate("__draws")
        browser.close()
    states = {k: len({t for _, t in v}) for k, v in r["states"].items()}
    print("states shown during a 2 s drag:", states, "inputs fired:", len(r["inputs"]))
    nodes = {n["id"]: n for n in prof["nodes"]}
    deltas = prof["timeDeltas"]
    spent: Counter[str] = Counter()
    for sample, dt in zip(prof["samples"], [*deltas[1:], 0], strict=True):
        frame = nodes[sample]["callFrame"]
        spent[bucket(frame["url"], frame["functionName"])] += dt / 1000
    total = sum(spent.values())
    shown = min(states.values()) or 1
    print(f"\nmain thread over {total:.0f} ms, and per state every plot showed ({shown} states):")
    for name, ms in spent.most_common(14):
        print(f"  {name:28s} {ms:8.0f} ms  {100 * ms / total:5.1f} %  {ms / shown:6.1f} ms a state")
    by_plot: dict[str, list[float]] = {}
    for _, took, plot, _label in draws:
        by_plot.setdefault(plot, []).append(took)
    print("\nPlotly.react per plot during the drag (count, median ms, max ms):")
    for plot, times in sorted(by_plot.items()):
        times.sort()
        print(f"  {plot:24s} {len(times):3d} {times[len(times) // 2]:7.1f} {times[-1]:7.1f}")


def main() -> None:
    args = sys.argv[1:]
    base = args[0]
    path = args[1] if len(args) > 1 else "/"
    slider, lo, hi = (args[2], float(args[3]), float(args[4])) if len(args) > 4 else ("scale", 0.6, 1.6)
    size = tuple(int(x) for x in args[5].split("x")) if len(args) > 5 else (1400, 1000)
    profile(base, path, slider, lo, hi, (size[0], size[1]))


if __name__ == "__main__":
    main()
