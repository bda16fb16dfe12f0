"""Core timings beside a straightforward NumPy loop and PyTorch autograd computing the same numbers.

Used by scripts/bench.py; each function returns plain dicts for the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from core import LSTMConfig, RNNConfig, explore, pairs, sweep, weights
from core.cells import lstm, rnn
from core.config import PAIR_WORK_BUDGET, pair_work
from core.jacobian import Factors

SIZES = [(16, 50), (32, 100), (64, 200), (128, 500), (256, 1000)]


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Fastest wall time of `repeats` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def matmul_peak() -> float:
    """This machine's float64 GEMM rate in GFLOP/s (4096 x 4096, best of 3)."""
    a = np.random.default_rng(0).standard_normal((4096, 4096))
    seconds, _ = best_of(lambda: a @ a, 3)
    return 2 * 4096**3 / seconds / 1e9


def prepare(model: str, n: int, T: int) -> tuple[Factors, Any, np.ndarray, Callable[[int], np.ndarray]]:
    """Factors of a default-setting run, its raw params and inputs, and a dense local Jacobian J(t)."""
    if model == "rnn":
        p, x = explore.rnn_params(RNNConfig(hidden=n, steps=T))
        trace = rnn.forward(p, x)
        return rnn.factors(p, trace), p, x, lambda t: rnn.local_jacobian(p, trace.pre[t - 1])
    q, x = explore.lstm_params(LSTMConfig(hidden=n, steps=T))
    tr = lstm.forward(q, x)
    return lstm.factors(q, tr), q, x, lambda t: lstm.local_jacobian(q, tr, t)


def numpy_decay(J: Callable[[int], np.ndarray], T: int, d: int) -> np.ndarray:
    """The straightforward loop: cumulative matmul and np.linalg.norm(ord=2), renormalised to stay finite."""
    out, P, s = np.empty(T + 1), np.eye(d), 0.0
    out[T] = 0.0
    for k in range(T - 1, -1, -1):
        P = P @ J(k + 1)
        m = np.abs(P).max()
        P, s = P / m, s + np.log10(m)
        out[k] = s + np.log10(np.linalg.norm(P, 2))
    return out


def numpy_units(J: Callable[[int], np.ndarray], T: int, u: np.ndarray) -> np.ndarray:
    """The straightforward loop for |dL/dh_k| with L = <u, h_T>."""
    out, g, s = np.empty((u.size, T + 1)), u.copy(), 0.0
    with np.errstate(divide="ignore"):  # exact zeros (the c half of an LSTM probe) are -inf
        out[:, T] = np.log10(np.abs(g))
    for k in range(T - 1, -1, -1):
        g = g @ J(k + 1)
        m = np.abs(g).max()
        g, s = g / m, s + np.log10(m)
        with np.errstate(divide="ignore"):
            out[:, k] = s + np.log10(np.abs(g))
    return out


def numpy_pairs(J: Callable[[int], np.ndarray], T: int, d: int) -> np.ndarray:
    """All pairs by the straightforward loop: for each t, cumulative products back to 0, one SVD each."""
    out = np.full((T + 1, T + 1), np.nan)
    for t in range(T + 1):
        out[t] = numpy_decay(J, t, d).tolist() + [np.nan] * (T - t)
    return out


def torch_decay_units(
    model: str, params: Any, x: np.ndarray, u: np.ndarray
) -> tuple[float, np.ndarray, float, np.ndarray]:
    """PyTorch autograd (jacrev + matrix_norm, and one backward pass) in float64: (s, decay, s, units)."""
    import torch
    from torch.func import jacrev

    torch.set_num_threads(2)
    X = torch.from_numpy(x)
    T = x.shape[0]
    if model == "rnn":
        W, U, b = (torch.from_numpy(a) for a in (params.W, params.U, params.b))
        n = W.shape[0]

        def run(delta: torch.Tensor) -> torch.Tensor:  # delta[k] perturbs h_k, so d h_T / d delta[k] = dh_T/dh_k
            h, ds = torch.from_numpy(params.h0), delta.unbind(0)  # unbind: one gradient per step, not T scatters
            for t in range(T):
                h = torch.tanh(W @ (h + ds[t]) + U @ X[t] + b)
            return h

        dim, head = n, n
    else:
        Wh, Wx, bb = (torch.from_numpy(a) for a in (params.Wh, params.Wx, params.b))
        n = Wh.shape[1]

        def run(delta: torch.Tensor) -> torch.Tensor:
            h, c, ds = torch.from_numpy(params.h0), torch.from_numpy(params.c0), delta.unbind(0)
            for t in range(T):
                h, c = h + ds[t][:n], c + ds[t][n:]
                a = Wh @ h + Wx @ X[t] + bb
                f, i, g, o = torch.sigmoid(a[0]), torch.sigmoid(a[1]), torch.tanh(a[2]), torch.sigmoid(a[3])
                c = f * c + i * g
                h = o * torch.tanh(c)
            return torch.cat([h, c])

        dim, head = 2 * n, n
    zeros = torch.zeros(T, dim, dtype=torch.float64)
    t0 = time.perf_counter()
    jac = jacrev(run)(zeros)  # (dim, T, dim)
    norms = torch.linalg.matrix_norm(jac.permute(1, 0, 2), ord=2)
    decay = np.append(torch.log10(norms).numpy(), 0.0)
    t_decay = time.perf_counter() - t0
    delta = zeros.clone().requires_grad_(True)
    t0 = time.perf_counter()
    (torch.from_numpy(u) @ run(delta)[:head]).backward()
    assert delta.grad is not None
    with np.errstate(divide="ignore"):
        grads = np.vstack([delta.grad[:, :head].numpy(), u[None, :]])  # k = T: dL/dh_T = u
        units = np.log10(np.abs(grads.T))
    t_units = time.perf_counter() - t0
    return t_decay, decay, t_units, units


def agree(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |log10 difference| over entries finite in both (inf where one side lost a value)."""
    both = np.isfinite(a) & np.isfinite(b)
    if (np.isfinite(a) != np.isfinite(b)).any():
        return float("inf")
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0


def bench_size(model: str, n: int, T: int, peak: float, with_torch: bool, repeats: int) -> list[dict[str, Any]]:
    """Rows of the table for one model and size."""
    f, params, x, J = prepare(model, n, T)
    d = f.dim
    u = weights.probe(0, n)
    probe = u if model == "rnn" else np.concatenate([u, np.zeros(n)])
    steps = pairs.sample_steps(T)
    exact = pair_work(T, d) <= PAIR_WORK_BUDGET  # as the explorer decides
    rows: list[dict[str, Any]] = []

    def job(
        name: str, gflop: float, ours: Callable[[], Any], numpy_loop: Callable[[], np.ndarray]
    ) -> tuple[dict[str, Any], Any]:
        t, got = best_of(ours, repeats)
        ref_t, ref = best_of(numpy_loop, 1)
        row = {
            "model": model,
            "n": n,
            "T": T,
            "job": name,
            "gflop": gflop,
            "ours_s": t,
            "numpy_s": ref_t,
            "agree_numpy": agree(got, ref),
        }
        return row, got

    zero = np.zeros(d)
    row, ours = job(
        "decay",
        2 * d**3 * T / 1e9,
        lambda: sweep.backward(f, "spectral", zero, None, None)[0],
        lambda: numpy_decay(J, T, d),
    )
    urow, units = job(
        "units",
        2 * d**2 * T / 1e9,
        lambda: sweep.backward(f, "spectral", probe, None, None, with_decay=False)[1][:n],
        lambda: numpy_units(J, T, probe)[:n],
    )
    if with_torch:
        td, dec, tu, un = torch_decay_units(model, params, x, u)
        row.update(torch_s=td, agree_torch=agree(ours, dec))
        urow.update(torch_s=tu, agree_torch=agree(units, un))
    rows += [row, urow]

    if exact:
        t, h = best_of(lambda: pairs.exact(f, "spectral", steps, steps), repeats)
        prow = {"job": "heatmap (exact)", "gflop": pairs.dense_work(T, d) / 1e9}
    else:
        t, h = best_of(lambda: sweep.backward(f, "spectral", zero, steps, steps, with_decay=False)[2], repeats)
        prow = {"job": "heatmap (estimate)", "gflop": 2 * d**2 * T * steps.size / 2 / 1e9}
    prow.update(model=model, n=n, T=T, ours_s=t)
    if pairs.dense_work(T, d) <= 2.5e10:  # the plain all-pairs loop is affordable here
        ref_t, ref_p = best_of(lambda: numpy_pairs(J, T, d), 1)
        prow.update(numpy_s=ref_t)
        if exact:
            prow.update(agree_numpy=agree(h.values, ref_p[np.ix_(steps, steps)]))
        else:  # the estimate's error against the exact values
            err = (h.values - ref_p[np.ix_(steps, steps)])[np.tril_indices(steps.size)]
            prow.update(estimate_err_median=float(np.median(np.abs(err))), estimate_err_max=float(np.max(np.abs(err))))
    rows.append(prow)
    # What one API request really runs: forward pass, one backward sweep, the heatmap.
    run = (
        (lambda: explore.run_rnn(RNNConfig(hidden=n, steps=T)))
        if model == "rnn"
        else (lambda: explore.run_lstm(LSTMConfig(hidden=n, steps=T)))
    )
    t, _ = best_of(run, repeats)
    rows.append(
        {
            "model": model,
            "n": n,
            "T": T,
            "job": "whole request (core)",
            "gflop": sum(r["gflop"] for r in rows),
            "ours_s": t,
        }
    )
    for r in rows:
        r["gflops"] = r["gflop"] / r["ours_s"]
        r["peak_frac"] = r["gflops"] / peak
    return rows
