"""Fit the request cost models of app/contract/cost.py: time real requests over a spread of sizes, fit, report.

    python -m scripts.cost_calibration            # every endpoint, prints the fit and paste-able MODELS lines
    python -m scripts.cost_calibration rnn lstm   # some of them
    python -m scripts.cost_calibration --latency  # 422 latency over HTTP and the cost of a deadline check

Requests go through the whole app in process (validation, compute, JSON) with the response cache off and no
limits, each with a new seed so nothing is reused. Each is timed in CPU seconds of the process (one request at a
time, one BLAS thread): on an idle core that is its wall time, and on a machine shared with other work it still
measures the request's own work rather than its wait for a core. The fit is non-negative least squares on relative error
(each row divided by its measured time), so small and large requests count alike. Then it reports the ratio
estimate / measured (max error = the largest of ratio and 1 / ratio) and the latency of a refusal (422).
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from app.contract import cost
from app.main import create_app
from app.service.settings import Settings
from core import deadline
from scripts.serve import running_server

# endpoint -> (path, queries); sizes spread over each slider's range.
_RNN_SIZES = [(T, n) for T in (20, 100, 400, 1000) for n in (8, 32, 96, 192, 256)]
SPREAD: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "rnn": ("/api/v1/rnn", [{"steps": T, "hidden": n} for T, n in _RNN_SIZES]),
    "lstm": ("/api/v1/lstm", [{"steps": T, "hidden": n} for T, n in _RNN_SIZES]),
    "gru": ("/api/v1/gru", [{"steps": T, "hidden": n} for T, n in _RNN_SIZES]),
    "nearfar": (
        "/api/v1/nearfar",
        [{"steps": T, "hidden": n} for T, n in itertools.product((20, 100, 300, 1000), (8, 32, 96, 256))],
    ),
    "spectrum": (
        "/api/v1/spectrum",
        [{"steps": T, "hidden": n} for T, n in itertools.product((10, 100, 1000), (8, 32, 64, 96, 128, 160))],
    ),
    "feedforward": (
        "/api/v1/feedforward",
        [
            {"layers": L, "width": n, "batch": B, "init": init}
            for L, n, B in itertools.product((5, 30, 100), (16, 96, 256), (8, 64, 256))
            for init in ("xavier", "orthogonal")
        ],
    ),
    "cliff": (
        "/api/v1/cliff",
        [{"resolution": R, "steps": T} for R, T in itertools.product((11, 51, 101, 201), (1, 20, 80, 200))],
    ),
    "descent": (
        "/api/v1/cliff/descent",
        [{"iterations": i, "steps": T} for i, T in itertools.product((1, 50, 200, 500), (1, 20, 80, 200))],
    ),
    "scalar": ("/api/v1/scalar", [{"steps": T} for T in (1, 10, 100, 300, 1000)]),
    "meanfield": ("/api/v1/meanfield", [{"activation": a} for a in ("tanh", "sigmoid", "relu")]),
}


def nnls(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """min ||A c - y|| with c >= 0: least squares, dropping the most negative coefficient until none is."""
    active = list(range(A.shape[1]))
    while True:
        c = np.zeros(A.shape[1])
        c[active] = np.linalg.lstsq(A[:, active], y, rcond=None)[0]
        if (c >= 0).all():
            return c
        active.remove(int(np.argmin(c)))


def measure(client: TestClient, path: str, query: dict[str, Any], seed: int) -> float:
    params = {**query, "seed": seed} if path != "/api/v1/cliff" and "meanfield" not in path else query
    t0 = time.process_time()
    r = client.get(path, params=params)
    dt = time.process_time() - t0
    if r.status_code != 200:
        raise SystemExit(f"{path} {params}: {r.status_code} {r.text[:300]}")
    return dt


def calibrate(client: TestClient, endpoint: str) -> tuple[tuple[float, ...], float]:
    path, queries = SPREAD[endpoint]
    model = cost.MODELS[endpoint]
    rows, times = [], []
    for i, query in enumerate(queries):
        full = _full(endpoint, query)
        # best of two: the machine is shared, the minimum is the cost of the work itself
        t = min(measure(client, path, query, 1000 + 2 * i + j) for j in range(2))
        rows.append(model.features(full))
        times.append(t)
    A, y = np.array(rows, dtype=float), np.array(times)
    coef = nnls(A / y[:, None], np.ones_like(y))
    ratio = A @ coef / y
    worst = float(np.max(np.maximum(ratio, 1 / ratio)))
    print(f"\n{endpoint}: {len(y)} requests, {y.min() * 1e3:.1f} ms .. {y.max():.2f} s")
    for query, t, r in zip(queries, y, ratio, strict=True):
        print(f"  {query}  measured {t * 1e3:8.1f} ms  estimate/measured {r:5.2f}")
    print(f"  max ratio error {worst:.2f}x")
    return tuple(float(f"{c:.3g}") for c in coef), worst


def _full(endpoint: str, query: dict[str, Any]) -> dict[str, Any]:
    """The query as the app sees it, with defaults filled in."""
    path = SPREAD[endpoint][0]
    from app.contract.errors import QUERY_MODELS

    return QUERY_MODELS[path](**query).model_dump()


def refusal_latency(client: TestClient, n: int = 400) -> tuple[float, float]:
    """p50 and p99 (ms) of a refused request through the whole app (validation, estimate, suggestions, JSON)."""
    seen = []
    for i in range(n):
        t0 = time.perf_counter()
        r = client.get("/api/v1/lstm", params={"steps": 1000, "hidden": 256, "seed": i})
        seen.append(time.perf_counter() - t0)
        assert r.status_code == 422, r.text
    seen.sort()
    return statistics.median(seen) * 1e3, seen[int(0.99 * n)] * 1e3


def served_refusals(n: int = 400) -> tuple[float, float, float]:
    """p50 / p99 (ms) of refused requests over HTTP to a real uvicorn, and the overhead of check() (ns)."""
    url = "/api/v1/lstm?steps=1000&hidden=256&seed={}"
    seen = []
    with running_server(env={"BPTT_MAX_REQUEST_SECONDS": "1"}) as base:
        for i in range(n):
            t0 = time.perf_counter()
            try:
                urllib.request.urlopen(base + url.format(i), timeout=10)
            except urllib.error.HTTPError as e:
                assert e.code == 422
            seen.append(time.perf_counter() - t0)
    seen.sort()
    calls, runs = 200_000, []
    with deadline.limit(600):
        for _ in range(5):  # best of five, as timeit does: the machine may be busy
            t0 = time.perf_counter()
            for _ in range(calls):
                deadline.check()
            runs.append(time.perf_counter() - t0)
    per_check = min(runs) / calls * 1e9
    return statistics.median(seen) * 1e3, seen[int(0.99 * n)] * 1e3, per_check


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if sys.argv[1:] == ["--latency"]:
        p50, p99, per_check = served_refusals()
        print(
            f"422 refusal over HTTP (real uvicorn, LSTM 256 x 1000 at a 1 s limit): p50 {p50:.2f} ms, p99 {p99:.2f} ms"
        )
        print(f"deadline.check() under a limit: {per_check:.0f} ns per call")
        return
    names = sys.argv[1:] or list(SPREAD)
    settings = Settings(cache_max_bytes=0, max_request_seconds=1e9, request_timeout_seconds=600)
    fitted = {}
    with TestClient(create_app(settings)) as client:
        for name in names:
            fitted[name] = calibrate(client, name)
    print("\nFitted coefficients (paste into app/contract/cost.py MODELS):")
    for name, (coef, worst) in fitted.items():
        print(f"  {name}: {coef}  # max ratio error {worst:.2f}x")
    with TestClient(create_app(Settings(max_request_seconds=1.0))) as client:
        p50, p99 = refusal_latency(client)
    print(f"\n422 refusal through the app (LSTM 256 x 1000 at a 1 s limit): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    q = _full("lstm", {"steps": 1000, "hidden": 256})
    t0 = time.perf_counter()
    for _ in range(1000):
        cost.refusal("lstm", q, 1.0)
    print(f"cost.refusal alone: {(time.perf_counter() - t0) * 1e3:.3f} ms per 1000 calls")


if __name__ == "__main__":
    main()
