"""The cliff view's offline files: python -m scripts.cliff_export (markdown, ~2 min).

First, what a file of the cliff holds against the view's estimates (app/figures/cliff.py): the surfaces, once
(shared_bytes), and one frame of runs (frame_bytes), both compressed as in the file, over a spread of settings.
Then the stories C7, C8, C9 and /cliff URLs: grid, file size, the size check's estimate, the estimated seconds
(app/export/plan.py seconds_of, at most MAX_SECONDS) and the seconds to build.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from app.export.assets import fixed_bytes, pack
from app.export.file import render, stored_once
from app.export.plan import plan, seconds_of
from app.figures import encode, views
from app.figures.cliff import cached_surface
from app.figures.cliff_file import frame_bytes, shared_bytes
from app.figures.grid import SHARED_MIN

SETTINGS: list[dict[str, Any]] = [
    {},
    {"resolution": 201, "steps": 200},
    {"resolution": 11},
    {"resolution": 61},
    {"iterations": 500},
    {"iterations": 500, "threshold": 0.1, "lr": 0.1},
    {"w0": -5.25, "b0": 3.768, "iterations": 300},
    {"w_center": 5, "w_range": 1, "b_center": -2.6, "b_range": 0.6, "iterations": 10},
]
EXPORTS: list[tuple[str, str, str | None]] = [
    ("c7 (the start below the wall, lr = v = 1)", "c7", None),
    ("c7, lr", "c7", "lr"),
    ("c8 (v = 0.3)", "c8", None),
    ("c9 (zoomed on the wall)", "c9", None),
    ("c9, threshold,lr", "c9", "threshold,lr"),
    ("/cliff?w0=-5.25&b0=3.768, w0,b0", "/cliff?w0=-5.25&b0=3.768", "w0,b0"),
    (
        "/cliff?resolution=201&steps=200&iterations=500 (the largest)",
        "/cliff?resolution=201&steps=200&iterations=500",
        None,
    ),
]


def _sizes(settings: dict[str, Any]) -> tuple[int, int]:
    """Bytes in a file of the surfaces alone and of one more frame (two frames differing in the threshold)."""
    qs = views.queries("cliff", settings)
    one = encode(views.dicts("cliff", qs))
    other = encode(views.dicts("cliff", views.queries("cliff", {**settings, "threshold": 0.37})))
    single, pair = len(pack(stored_once([one]))), len(pack(stored_once([one, other])))
    return single - (pair - single), pair - single


def frames_table() -> None:
    print(
        f"| settings | surfaces in the file | estimate | a frame of runs | estimate |  (arrays shared from {SHARED_MIN} chars)"
    )
    print("|---|---|---|---|---|")
    for settings in SETTINGS:
        qs = views.queries("cliff", settings)
        shared, frame = _sizes(settings)
        print(
            f"| {settings or 'defaults'} | {shared / 1e3:.0f} kB | {shared_bytes(qs) / 1e3:.0f} kB "
            f"| {frame / 1e3:.1f} kB | {frame_bytes(qs) / 1e3:.1f} kB |"
        )


def exports_table() -> None:
    print("| export | grid | frames | file | estimate | seconds: estimate | build |")
    print("|---|---|---|---|---|---|---|")
    for label, target, sliders in EXPORTS:
        p = plan(target, sliders)
        view = views.VIEWS[p.model]
        qs = views.queries(p.model, p.params)
        assert view.frame_bytes is not None and view.shared_bytes is not None
        frames = len(p.values[0]) * (len(p.values[1]) if len(p.values) > 1 else 1)
        estimate = fixed_bytes() + view.shared_bytes(qs) + frames * view.frame_bytes(qs)
        times = []
        for _ in range(2):
            cached_surface.cache_clear()  # each file computes its surfaces
            t0 = time.perf_counter()
            html = render(p)
            times.append(time.perf_counter() - t0)
        grid = " x ".join(f"{n} ({len(v)})" for n, v in zip(p.sliders, p.values, strict=True))
        print(
            f"| {label} | {grid} | {frames} | {len(html.encode()) / 1e6:.2f} MB | {estimate / 1e6:.2f} MB "
            f"| {seconds_of(p):.1f} | {statistics.median(times):.1f} |"
        )


if __name__ == "__main__":
    frames_table()
    print()
    exports_table()
