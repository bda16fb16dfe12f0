"""The one place where per-step Jacobians are multiplied.

A cell hands over its local Jacobians J_t = dh_t/dh_{t-1}, t = 1..T, as a
`Factors` object (J_t = 10**log10_scale[t-1] * matrix(t)), with optional fast
products that exploit the cell's structure. Products dh_t/dh_k = J_t ... J_{k+1}
are carried as a matrix with max |entry| = 1 times a log10 scale, so 1000 factors
of 3 (10^477) or of 0.1 (10^-1000) stay finite. Exact zeros (dead ReLUs, zero
weights) give log10 = -inf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.logmath import log10_abs
from core.norms import SEQUENTIAL_MIN_DIM, Norm, frobenius_norms, generic_start, spectral_norm, spectral_norms

_CHUNK_BYTES = 16 * 2**20


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


def decay(f: Factors, norm: Norm = "spectral") -> np.ndarray:
    """log10 ||dh_T/dh_k|| for k = 0..T, shape (T+1,).

    Products are formed backwards (P_k = P_{k+1} J_{k+1}) straight into a chunk
    buffer; each full chunk gets its norms in one batched call, warm-started from
    the previous chunk's top left singular vector (it converges along the run).
    """
    T, d = f.steps, f.dim
    if norm == "spectral" and d >= SEQUENTIAL_MIN_DIM:
        return _decay_sequential(f)
    out = np.empty(T + 1)
    chunk = int(np.clip(_CHUNK_BYTES // (8 * d * d), 2, 256))
    buf = np.empty((chunk, d, d))
    scales = np.empty(chunk)
    prev, scale = np.eye(d), 0.0
    left: np.ndarray | None = None
    first_k = T  # k of buf[0]
    for k in range(T, -1, -1):
        i = first_k - k
        if k == T:
            buf[i] = prev
        elif np.isfinite(scale):
            f.right(prev, k + 1, buf[i])
            peak = float(max_abs(buf[i]))
            if peak > 0:
                buf[i] *= 1.0 / peak
                scale += np.log10(peak) + float(f.log10_scale[k])
            else:
                scale = -np.inf
        else:
            buf[i] = 0.0
        scales[i] = scale
        prev = buf[i]
        if i == chunk - 1 or k == 0:
            values, left = log10_norms(buf[: i + 1], scales[: i + 1], norm, left)
            out[k : first_k + 1] = values[::-1]  # buf[i] holds k = first_k - i
            prev = buf[i].copy()
            first_k = k - 1
    return out


def _decay_sequential(f: Factors) -> np.ndarray:
    """Spectral decay for large d: each norm right after its product, warm-started from the previous one."""
    T, d = f.steps, f.dim
    out = np.empty(T + 1)
    out[T] = 0.0  # ||I||_2
    prod, nxt = np.eye(d), np.empty((d, d))
    scale, left = 0.0, generic_start(d)
    for k in range(T - 1, -1, -1):
        if not np.isfinite(scale):
            out[k] = -np.inf
            continue
        f.right(prod, k + 1, nxt)
        prod, nxt = nxt, prod
        # The norm itself renormalises: P / sigma has entries <= 1 (no separate max-abs pass).
        sigma, left = spectral_norm(prod, left)
        if sigma == 0.0:
            scale, out[k] = -np.inf, -np.inf
            continue
        prod *= 1.0 / sigma
        scale += np.log10(sigma) + float(f.log10_scale[k])
        out[k] = scale
    return out


def units(f: Factors, probe: np.ndarray) -> np.ndarray:
    """log10 |dL/dh_k[i]| for L = <probe, h_T>, shape (d, T+1) [unit i, step k]."""
    T, d = f.steps, f.dim
    out = np.empty((d, T + 1))
    g = np.asarray(probe, dtype=float).reshape(1, d).copy()
    nxt = np.empty_like(g)
    peak = float(max_abs(g))
    scale = float(np.log10(peak)) if peak > 0 else -np.inf
    if peak > 0:
        g /= peak
    for k in range(T, -1, -1):
        if k < T and np.isfinite(scale):
            f.right(g, k + 1, nxt)
            g, nxt = nxt, g
            peak = float(max_abs(g))
            if peak > 0:
                g *= 1.0 / peak
                scale += float(np.log10(peak)) + float(f.log10_scale[k])
            else:
                scale = -np.inf
        out[:, k] = log10_abs(g[0]) + scale if np.isfinite(scale) else -np.inf
    return out


def diagonal_path(log10_diag: np.ndarray) -> np.ndarray:
    """log10 |prod_{j=k+1..T} D_j| per unit for diagonal factors given as log10 |D_j|, (T, d) -> (d, T+1)."""
    T, d = log10_diag.shape
    out = np.zeros((d, T + 1))
    # Suffix sums: out[:, k] = sum_{j > k} log10 D_j; -inf stays -inf.
    out[:, :T] = np.cumsum(log10_diag[::-1], axis=0)[::-1].T
    return out
