"""The (t, k) heatmap: ||dh_t/dh_k|| for target steps t and source steps k <= t.

Exact values cost (T+1)(T+2)/2 products and SVDs; within a work budget they are
computed by a forward sweep that keeps every (dh_t/dh_k)^T for the current t
stacked in one tall array, so each step is a single GEMM for all k at once, and
norms are taken only for the rows and columns shown. Beyond the budget, each target t gets the
estimate ||a_t^T dh_t/dh_k|| (computed in core/sweep.py, one row per target), where a_t is the top Lyapunov direction at step t
(a_t = J_t a_{t-1}, normalised): the component of the gradient that survives, a
lower bound of the spectral norm that is tight once t - k is more than a few steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import deadline
from core.jacobian import Factors, max_abs
from core.logmath import log10_abs
from core.norms import Norm, frobenius_norms, generic_start

# One heatmap side shows at most this many steps; longer runs are sampled evenly (ends included).
MAX_SIDE = 128


@dataclass(frozen=True)
class Heatmap:
    """log10 norms at sampled steps: values[i, j] is for target rows[i] and source cols[j] (NaN where k > t)."""

    values: np.ndarray  # (len(rows), len(cols))
    rows: np.ndarray  # target steps t, increasing
    cols: np.ndarray  # source steps k, increasing
    exact: bool


def sample_steps(steps: int, side: int = MAX_SIDE) -> np.ndarray:
    """Evenly spaced steps 0..T, at most `side` of them, both ends included."""
    if steps + 1 <= side:
        return np.arange(steps + 1)
    return np.unique(np.round(np.linspace(0, steps, side)).astype(np.int64))


def dense_work(steps: int, dim: int) -> float:
    """Flops of the exact heatmap as dense products: one 2 d^3 product per pair."""
    return (steps + 1) * (steps + 2) / 2 * 2.0 * dim**3


def exact(f: Factors, norm: Norm, rows: np.ndarray, cols: np.ndarray) -> Heatmap:
    """Exact log10 ||dh_t/dh_k|| at the sampled rows and columns."""
    T, d = f.steps, f.dim
    out = np.full((rows.size, cols.size), np.nan)
    stack = np.empty((T + 1, d, d))  # stack[k] = (dh_t/dh_k)^T / 10**scale[k], for k <= t
    scale = np.zeros(T + 1)
    row_of = {int(t): i for i, t in enumerate(rows)}
    for t in range(T + 1):
        deadline.check()
        if t > 0:
            x = stack[:t].reshape(t * d, d)
            stack[:t] = f.right_t(x, t).reshape(t, d, d)  # (dh_t/dh_k)^T = (dh_{t-1}/dh_k)^T J_t^T
            peak = max_abs(stack[:t], axis=(1, 2))
            live = peak > 0
            stack[:t][live] /= peak[live][:, None, None]
            scale[:t] = np.where(live, scale[:t] + log10_abs(peak) + float(f.log10_scale[t - 1]), -np.inf)
        stack[t] = np.eye(d)
        if t not in row_of:
            continue
        j = np.searchsorted(cols, t, side="right")  # columns with k <= t
        sel = cols[:j]
        if norm == "frobenius" or d == 1:
            values = frobenius_norms(stack[sel])
        else:  # short products have close top singular values: LAPACK beats iterating here
            blocks = stack[sel]
            gram = np.matmul(np.swapaxes(blocks, 1, 2), blocks)  # sigma_1^2 = top eigenvalue of P^T P
            values = np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[:, -1], 0.0))
        live = np.isfinite(scale[sel]) & (values > 0)
        row = np.full(j, -np.inf)
        row[live] = scale[sel][live] + np.log10(values[live])
        out[row_of[t], :j] = row
    return Heatmap(out, rows, cols, True)


def lyapunov_directions(f: Factors) -> np.ndarray:
    """a_t for t = 0..T: a_0 generic, a_t = J_t a_{t-1} / ||J_t a_{t-1}|| (shape (T+1, d))."""
    T, d = f.steps, f.dim
    a = np.empty((T + 1, d))
    a[0] = generic_start(d)
    for t in range(1, T + 1):
        deadline.check()
        nxt = f.right_t(a[t - 1][None, :], t)[0]
        length = float(np.linalg.norm(nxt))
        a[t] = nxt / length if length > 0 else a[t - 1]
    return a
