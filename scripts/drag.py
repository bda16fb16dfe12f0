"""A slider dragged as a hand drags it, in headless Chromium: does every figure on screen follow?

python -m scripts.drag BASE_URL [--legacy] [CASE ...]   (a server must be running at BASE_URL; CASE: part of a
case's label; --legacy: a page from before plots named the state they show)

Two measures per page, in the page's own clock:
- step: one input event on the slider -> every plot on screen shows the new state, plus one frame; p50 and p95
  over single moves, each from a page at rest.
- drag: an input event every 16 ms for 3 s across the slider, its value following the hand's position. Counted:
  the input events that could fire (a busy main thread delays them), the states each plot on screen showed and
  its longest gap without a new one, the states that had every figure on screen drawn, and the time from the
  last input to the final state completely drawn.
A plot is "on screen" when any of it lies in the viewport when the drag starts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from playwright.sync_api import Page, sync_playwright

from scripts.chromium import launch
from scripts.redraw_latency import percentile

# The plots of which any part lies in the viewport (a JavaScript function, written into DRAG and STEP below).
ON_SCREEN = """() => [...document.querySelectorAll('.plot')].filter((el) => {
  if (el.offsetParent === null) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
})"""

# The drag itself: returns the input times and values, the plots on screen, and each state's render time.
DRAG = """async ([name, lo, hi, seconds, period]) => {
  const PLOTS_ON_SCREEN = ON_SCREEN;
  const slider = document.getElementById(`in-${name}`);
  const onScreen = PLOTS_ON_SCREEN().map((el) => el.id);
  const rendered = [];
  const states = Object.fromEntries(onScreen.map((id) => [id, []]));
  const watch = new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      if (r.target === document.body) rendered.push([now, document.body.dataset.rendered || '']);
      else if (r.target.id in states) states[r.target.id].push([now, r.target.dataset.state]);
    }
  });
  watch.observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-rendered', 'data-state'] });
  const inputs = [];
  const t0 = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const t = performance.now() - t0;
      if (t > seconds * 1000) return resolve();
      slider.value = lo + (hi - lo) * (t / (seconds * 1000));
      if (!inputs.length || slider.value !== inputs[inputs.length - 1][1]) {
        inputs.push([performance.now(), slider.value]);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
      }
      setTimeout(tick, period);
    };
    tick();
  });
  const want = `${name}=${inputs[inputs.length - 1][1]}&`;
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const until = (ok) => new Promise((resolve) => { const check = () => (ok() ? resolve() : setTimeout(check, 2)); check(); });
  await until(() => onScreen.every((id) => (document.getElementById(id).dataset.state || '').includes(want)));
  await frame();
  const shown = performance.now();
  await until(() => (document.body.dataset.rendered || '').includes(want));
  await frame();
  const settled = performance.now();
  watch.disconnect();
  return { t0, inputs, onScreen, rendered, states, shown, settled };
}""".replace("ON_SCREEN;", f"{ON_SCREEN};")


@dataclass
class Drag:
    """One drag's counts; rates are per second of the drag."""

    page: str
    seconds: float
    inputs: int
    all_drawn_per_s: float  # states whose figures on screen were all drawn
    rendered_per_s: float  # states with every figure of the page drawn (body[data-rendered])
    final_ms: float  # last input -> the final state on every plot on screen, plus a frame
    settled_ms: float  # last input -> the final state in every plot of the page (body[data-rendered])
    per_plot: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def slowest(self) -> float:
        """States per second of the on-screen plot that followed least often."""
        return min((p["per_s"] for p in self.per_plot.values()), default=0.0)


def drag(page: Page, label: str, name: str, lo: float, hi: float, seconds: float = 3.0) -> Drag:
    """Drags slider `name` from lo to hi over `seconds`, an input every 16 ms."""
    r: dict[str, Any] = page.evaluate(DRAG, [name, lo, hi, seconds, 16])
    t0, inputs = r["t0"], r["inputs"]
    end = inputs[-1][0]
    duration = (end - t0) / 1000
    per_plot = {}
    during = {}
    for pid, seen in r["states"].items():
        drawn = [(t, tag) for t, tag in seen if t0 < t <= end]
        during[pid] = {tag for _, tag in drawn}
        times = [t for t, _ in drawn]
        gaps = [b - a for a, b in zip([t0, *times], [*times, end], strict=True)]
        per_plot[pid] = {"per_s": len(during[pid]) / duration, "longest_gap_ms": max(gaps)}
    common = set.intersection(*during.values()) if during else set()
    rendered = {tag for t, tag in r["rendered"] if t0 < t <= end}
    return Drag(
        label,
        duration,
        len(inputs),
        len(common) / duration,
        len(rendered) / duration,
        r["shown"] - end,
        r["settled"] - end,
        per_plot,
    )


# One single move: input event -> every plot on screen shows the new state (its data-state), plus one frame.
STEP = """async ([name, value]) => {
  const PLOTS_ON_SCREEN = ON_SCREEN;
  const slider = document.getElementById(`in-${name}`);
  const onScreen = PLOTS_ON_SCREEN();
  const t0 = performance.now();
  slider.value = value;
  const want = `${name}=${slider.value}&`;
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve) => {
    const check = () => (onScreen.every((el) => (el.dataset.state || '').includes(want)) ? resolve() : setTimeout(check, 1));
    check();
  });
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const t = performance.now() - t0;
  // The page at rest before the next move: every figure drawn, then the painter's pause for stillness.
  await new Promise((resolve) => {
    const check = () => ((document.body.dataset.rendered || '').includes(want) ? resolve() : setTimeout(check, 5));
    check();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return t;
}""".replace("ON_SCREEN;", f"{ON_SCREEN};")


def steps(page: Page, name: str, start: float, delta: float, n: int = 30) -> list[float]:
    """Input -> every plot on screen drawn, plus one frame, for n single moves of slider `name`."""
    return [page.evaluate(STEP, [name, f"{start + delta * (i + 1):.6g}"]) for i in range(n)]


@dataclass(frozen=True)
class Case:
    """A page, its main slider and a drag across it (lo -> hi), at a viewport."""

    label: str
    path: str
    slider: str
    lo: float
    hi: float
    delta: float  # one single move of the step measure
    size: tuple[int, int] = (1400, 1000)
    prepared: int = 0  # states the page has prepared along its slider (static/js/prepared.js) before measuring


DESK = (1400, 1000)
PROJECTOR = (1920, 1080)
CASES = [
    Case("floor (one 100×100 heatmap)", "/bench/floor", "scale", 0.5, 2.0, 0.01),
    Case("RNN default", "/", "scale", 0.5, 2.0, 0.01),
    Case("LSTM default", "/?model=lstm", "scale", 0.5, 2.0, 0.01),
    Case("GRU default", "/?model=gru", "scale", 0.5, 2.0, 0.01),
    Case("all three", "/?model=compare", "scale", 0.5, 2.0, 0.01),
    Case("all three, after its states are prepared", "/?model=compare", "scale", 0.5, 2.0, 0.01, prepared=70),
    Case("RNN, n = 128, T = 500", "/?hidden=128&steps=500", "scale", 0.5, 2.0, 0.01),
    Case(
        "RNN, n = 128, T = 500, after its states are prepared",
        "/?hidden=128&steps=500",
        "scale",
        0.5,
        2.0,
        0.01,
        prepared=110,
    ),
    Case("scalar (weight)", "/scalar", "weight", 1.0, 5.0, 0.01),
    Case("feed-forward (layers)", "/feedforward", "layers", 10, 60, 1),
    Case("cliff (threshold)", "/cliff", "threshold", 0.2, 3.0, 0.01),
    Case("presenter: floor", "/bench/floor", "scale", 0.5, 2.0, 0.01, PROJECTOR),
    Case("presenter: RNN", "/?present=1", "scale", 0.5, 2.0, 0.01, PROJECTOR),
    Case("presenter: LSTM (b_f)", "/?model=lstm&present=1", "forget_bias", -2.0, 4.0, 0.1, PROJECTOR),
    Case("presenter: all three", "/?model=compare&present=1", "scale", 0.5, 2.0, 0.01, PROJECTOR),
]


# For a page from before plots named their state: each Plotly.react labels its plot with the state whose figures
# were being drawn (body[data-drawn], which that page set right after drawing a state's first figure).
LEGACY = """window.addEventListener('load', () => {
  const real = Plotly.react;
  Plotly.react = function (gd, ...rest) {
    const out = real.call(this, gd, ...rest);
    queueMicrotask(() => { gd.dataset.state = document.body.dataset.drawn || document.body.dataset.rendered || ''; });
    return out;
  };
});"""


def measure(base: str, cases: list[Case], moves: int = 30, legacy: bool = False) -> list[dict[str, Any]]:
    """Each case's step percentiles and drag counts, in one browser (`legacy`: pages without data-state)."""
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        for case in cases:
            page = browser.new_page(viewport={"width": case.size[0], "height": case.size[1]})
            if legacy:
                page.add_init_script(LEGACY)
            open_page(page, base, case.path, case.prepared)
            start = float(page.eval_on_selector(f"#in-{case.slider}", "el => el.value"))
            step = steps(page, case.slider, start, case.delta, moves)
            open_page(page, base, case.path, case.prepared)
            d = drag(page, case.label, case.slider, case.lo, case.hi)
            page.close()
            row = {
                **asdict(d),
                "size": f"{case.size[0]}×{case.size[1]}",
                "slowest_per_s": d.slowest,
                "step_p50_ms": percentile(step, 50),
                "step_p95_ms": percentile(step, 95),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
        browser.close()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of measure()'s rows; step p95 also as a multiple of its viewport's floor."""
    floors = {r["size"]: r["step_p95_ms"] for r in rows if "floor" in r["page"]}
    lines = [
        "| page | viewport | step p50 / p95 ms | p95 ÷ floor | inputs fired | slowest plot on screen, states/s "
        "| all on screen drawn, states/s | longest gap ms | final on screen ms | all figures ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        floor = floors.get(r["size"])
        ratio = f"{r['step_p95_ms'] / floor:.1f}" if floor else "–"
        gap = max((p["longest_gap_ms"] for p in r["per_plot"].values()), default=0.0)
        lines.append(
            f"| {r['page']} | {r['size']} | {r['step_p50_ms']:.0f} / {r['step_p95_ms']:.0f} | {ratio} | {r['inputs']} "
            f"| {r['slowest_per_s']:.1f} | {r['all_drawn_per_s']:.1f} | {gap:.0f} | {r['final_ms']:.0f} "
            f"| {r['settled_ms']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def open_page(page: Page, base: str, path: str, prepared: int = 0) -> None:
    page.goto(f"{base}{path}")
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
    if prepared:
        page.wait_for_function(
            "(n) => Number((document.body.dataset.prepared || 'x:0').split(':')[1]) >= n", arg=prepared, timeout=300000
        )


def main() -> None:
    args = sys.argv[1:]
    legacy = "--legacy" in args
    base, *wanted = [a for a in args if a != "--legacy"]
    cases = [c for c in CASES if not wanted or any(w in c.label for w in wanted)]
    print(table(measure(base, cases, legacy=legacy)))


if __name__ == "__main__":
    main()
