"""Sizes of exported files and the time to build figures: python -m scripts.export_sizes (markdown, ~2 min).

Figure time is the median of 5 builds of each model's default figure set, split into the core run, the
plain dicts (app.figures.recurrent_dicts without the run), the JSON encoding (base64 typed arrays) and the
validated go.Figure objects.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from app.export.assets import fixed_bytes
from app.export.file import render
from app.export.plan import plan, seconds_of
from app.figures import encode, figure
from app.figures.recurrent import figure_dicts, query, run
from core import Result

EXPORTS = [
    ("/ (RNN defaults)", "/", None),
    ("c3 (RNN, T = 100)", "c3", None),
    ("c10 (LSTM, T = 100)", "c10", None),
    ("/?model=lstm&forget_bias=1&steps=200", "/?model=lstm&forget_bias=1&steps=200", None),
    ("/?model=gru, update_bias,steps (9 points each)", "/?model=gru", "update_bias,steps"),
    ("c12 (compare, T = 100)", "c12", None),
    ("c1 (scalar, linear, T = 365)", "c1", None),
    ("c2 (scalar, sigmoid, T = 100), weight,steps", "c2", "weight,steps"),
    ("/?model=rnn&hidden=256&steps=1000 (the grid the seconds allow)", "/?model=rnn&hidden=256&steps=1000", None),
    ("/?model=lstm&hidden=128&steps=500 (the grid the seconds allow)", "/?model=lstm&hidden=128&steps=500", None),
]


def _median(f: Callable[[], object], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def figures_table() -> None:
    print("| model | core run | dicts | JSON | go.Figure | JSON bytes |")
    print("|---|---|---|---|---|---|")
    for model in ("rnn", "lstm", "gru"):
        q = query(model, {})
        r = run(model, q)
        dicts = figure_dicts(model, q, r)
        text = json.dumps(encode(dicts))

        def core_run(m: str = model, q: BaseModel = q) -> object:
            return run(m, q)

        def plain(m: str = model, q: BaseModel = q, r: Result = r) -> object:
            return figure_dicts(m, q, r)

        def as_json(d: dict[str, Any] = dicts) -> object:
            return json.dumps(encode(d))

        def validated(d: dict[str, Any] = dicts) -> object:
            return [figure(f) for f in d.values()]

        cells = [_median(f) for f in (core_run, plain, as_json, validated)]
        print(f"| {model} | " + " | ".join(f"{1e3 * c:.1f} ms" for c in cells) + f" | {len(text):,} |")


def exports_table() -> None:
    print(f"\nInlined libraries and page: {fixed_bytes() / 1e6:.2f} MB\n")
    print("| export | grid | file | seconds: estimate | build |")
    print("|---|---|---|---|---|")
    rows = [(label, plan(target, sliders)) for label, target, sliders in EXPORTS]
    # The largest grid the size check allows: two sliders over steps up to 200, as many points as fit.
    points = 2
    while True:
        try:
            p = plan("/?model=gru", "update_bias,steps", points=points + 1)
        except ValueError:
            break
        points += 1
    rows.append((f"largest: /?model=gru, update_bias,steps ({points} points)", p))
    for label, p in rows:
        t0 = time.perf_counter()
        html = render(p)
        grid = " x ".join(f"{n} {len(v)}" for n, v in zip(p.sliders, p.values, strict=True))
        took = time.perf_counter() - t0
        print(f"| {label} | {grid} | {len(html.encode()) / 1e6:.2f} MB | {seconds_of(p):.1f} s | {took:.1f} s |")


if __name__ == "__main__":
    figures_table()
    exports_table()
