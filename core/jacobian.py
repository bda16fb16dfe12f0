"""How a cell hands over its per-step Jacobians, and the norms of products built from them.

A cell hands over its local Jacobians J_t = dh_t/dh_{t-1}, t = 1..T, as a
`Factors` object (J_t = 10**log10_scale[t-1] * matrix(t)), with optional fast
products that exploit the cell's structure. Products dh_t/dh_k = J_t ... J_{k+1}
are carried as a matrix with max |entry| = 1 times a log10 scale, so 1000 factors
of 3 (10^477) or of 0.1 (10^-1000) stay finite. Exact zeros (dead ReLUs, zero
weights) give log10 = -inf. The products themselves are formed in core/sweep.py (backwards: decay
curve, unit view, heatmap estimate) and core/pairs.py (forwards: the exact heatmap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.norms import Norm, frobenius_norms, spectral_norms


@dataclass(frozen=True)
class Factors:
    """Local Jacobians of one unrolled run: J_t = 10**log10_scale[t-1] * matrix(t)."""

    steps: int  # T
    dim: int  # state dimension d
    log10_scale: np.ndarray  # (T,)
    matrix: Callable[[int], np.ndarray]  # t in 1..T -> (d, d)
    # Optional structured products: P @ matrix(t) into out, and X @ matrix(t).T (rows of X are vectors).
    right_mul: Callable[[np.ndarray, int, np.ndarray], None] | None = None
    right_mul_t: Callable[[np.ndarray, int], np.ndarray] | None = None

    def right(self, p: np.ndarray, t: int, out: np.ndarray) -> None:
        """out = p @ matrix(t)."""
        if self.right_mul is not None:
            self.right_mul(p, t, out)
        else:
            np.matmul(p, self.matrix(t), out=out)

    def right_t(self, x: np.ndarray, t: int) -> np.ndarray:
        """x @ matrix(t).T: advances the transposed products (dh_t/dh_k)^T by one step."""
        if self.right_mul_t is not None:
            return self.right_mul_t(x, t)
        return x @ self.matrix(t).T


def max_abs(m: np.ndarray, axis: tuple[int, ...] | None = None) -> np.ndarray:
    """max |m| without a temporary array."""
    return np.maximum(np.max(m, axis=axis), -np.min(m, axis=axis))


def log10_norms(
    scaled: np.ndarray, scale: np.ndarray, norm: Norm, left_start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """log10 of 10**scale * ||scaled|| per matrix (-inf where exactly zero), and the last left singular vector.

    left_start (a,): a guess of the top left singular vectors, e.g. from a neighbouring product.
    """
    if norm == "frobenius" or min(scaled.shape[1:]) == 1:
        values, left = frobenius_norms(scaled), None
    else:
        start = None if left_start is None else np.matmul(left_start[None, None, :], scaled)[:, 0, :]
        values, lefts, _ = spectral_norms(scaled, start)
        left = lefts[-1] if lefts.shape[0] and values[-1] > 0 else left_start
    out = np.full(scale.shape, -np.inf)
    live = np.isfinite(scale) & (values > 0)
    out[live] = scale[live] + np.log10(values[live])
    return out, left


def diagonal_path(log10_diag: np.ndarray) -> np.ndarray:
    """log10 |prod_{j=k+1..T} D_j| per unit for diagonal factors given as log10 |D_j|, (T, d) -> (d, T+1)."""
    T, d = log10_diag.shape
    out = np.zeros((d, T + 1))
    # Suffix sums: out[:, k] = sum_{j > k} log10 D_j; -inf stays -inf.
    out[:, :T] = np.cumsum(log10_diag[::-1], axis=0)[::-1].T
    return out
