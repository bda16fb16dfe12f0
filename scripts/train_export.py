"""Offline files of the training stories: estimated and measured seconds, frames and size.

python -m scripts.train_export [c11 c15 c16 ...]
"""

from __future__ import annotations

import sys
import time

from threadpoolctl import threadpool_limits

from app.export.file import render
from app.export.plan import plan, seconds_of
from app.figures.train_view import seconds as run_seconds
from app.figures.views import VIEWS


def main(targets: list[str]) -> None:
    threadpool_limits(1, user_api="blas")  # as the server runs (app/main.py)
    for target in targets:
        p = plan(target)
        t0 = time.perf_counter()
        html = render(p)
        took = time.perf_counter() - t0
        one = run_seconds(VIEWS["train"].queries(p.params))
        print(
            f"{target}: {p.sliders[0]} {p.values[0]}, estimate {seconds_of(p):.1f} s "
            f"(one run at the state {one:.2f} s), measured {took:.1f} s, {len(html.encode()) / 1e6:.2f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["c11", "c15", "c16"])
