"""The feed-forward view's offline files: python -m scripts.feedforward_export (markdown, ~1 min).

First, one frame's bytes in the file and its build time against the view's estimates (frame_bytes, from above;
frame_seconds, the cost model's and the figures') over a spread of settings: frames differing only in their seed, so
nothing is shared between them. Then the stories C5, C13, C14 and a /feedforward URL: grid, file size, the
size check's estimate, the estimated seconds (seconds_of, at most MAX_SECONDS) and the seconds to build the file.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from threadpoolctl import threadpool_limits

from app.contract.feedforward import FeedForwardQuery
from app.export.assets import fixed_bytes, pack
from app.export.file import render
from app.export.plan import mean, plan, seconds_of
from app.figures import encode, views
from app.figures.feedforward import frame_bytes, frame_seconds

FRAMES: list[dict[str, Any]] = [
    {},
    {"layers": 100},
    {"layers": 100, "activation": "relu", "init": "he"},
    {"layers": 100, "activation": "tanh", "init": "normal", "width": 64, "batch": 256},
    {"layers": 100, "activation": "leaky_relu", "init": "he", "batch_norm": True, "batch": 256},
    {"layers": 30, "activation": "sigmoid", "init": "xavier"},
    {"layers": 50, "width": 128, "batch": 128},
    {"layers": 100, "width": 256, "batch": 256},
    {"layers": 2},
]
EXPORTS = [
    ("c5 (sigmoid, Xavier, 30 layers)", "c5", None),
    ("c13 (ReLU, He, 50 layers)", "c13", None),
    ("c14 (ReLU, N(0, 1), 20 layers)", "c14", None),
    ("c5, activation,layers", "c5", "activation,layers"),
    ("c13, init,layers", "c13", "init,layers"),
    ("c14, init,layers", "c14", "init,layers"),
    ("/feedforward?activation=tanh&init=normal&batch_norm=true, batch_norm,layers", None, "batch_norm,layers"),
    ("/feedforward?layers=100&width=256&batch=256 (the largest net)", None, None),
    ("/feedforward?layers=100&width=256&batch=256&init=orthogonal (the grid the seconds allow)", None, None),
]
URLS = {
    EXPORTS[6][0]: "/feedforward?activation=tanh&init=normal&batch_norm=true",
    EXPORTS[7][0]: "/feedforward?layers=100&width=256&batch=256",
    EXPORTS[8][0]: "/feedforward?layers=100&width=256&batch=256&init=orthogonal",
}


def frames_table() -> None:
    print("| settings | bytes/frame | estimate | ratio | s/frame | estimate | ratio |")
    print("|---|---|---|---|---|---|---|")
    for params in FRAMES:
        built, times = [], []
        for seed in range(4):
            qs = views.queries("feedforward", {**params, "seed": seed})
            t0 = time.perf_counter()
            built.append(encode(views.dicts("feedforward", qs)))
            times.append(time.perf_counter() - t0)
        size = (len(pack(built)) - len(pack(built[:1]))) / 3
        q = views.queries("feedforward", params)["feedforward"]
        assert isinstance(q, FeedForwardQuery)
        est, sec = frame_bytes(q), frame_seconds(q)
        took = statistics.median(times[1:])
        label = ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults"
        print(f"| {label} | {size:,.0f} | {est:,} | {est / size:.2f} | {took:.3f} | {sec:.3f} | {sec / took:.2f} |")


def exports_table() -> None:
    print(f"\nInlined libraries and page: {fixed_bytes() / 1e6:.2f} MB\n")
    print("| export | grid | file | estimate | seconds: estimate | build |")
    print("|---|---|---|---|---|---|")
    for label, story, sliders in EXPORTS:
        p = plan(story or URLS[label], sliders)
        view = views.VIEWS[p.model]
        assert view.frame_bytes is not None
        count = 1
        for v in p.values:
            count *= len(v)
        estimate = fixed_bytes() + count * mean(p, view.frame_bytes)
        t0 = time.perf_counter()
        size = len(render(p).encode())
        took = time.perf_counter() - t0
        grid = " x ".join(f"{name} {len(v)}" for name, v in zip(p.sliders, p.values, strict=True))
        print(
            f"| {label} | {grid} | {size / 1e6:.2f} MB | {estimate / 1e6:.2f} MB | {seconds_of(p):.1f} s | {took:.1f} s |"
        )


def main(*_: Any) -> None:
    threadpool_limits(1, user_api="blas")  # as the server runs (app/main.py)
    frames_table()
    exports_table()


if __name__ == "__main__":
    main()
