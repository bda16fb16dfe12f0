"""The one place where per-step Jacobians are multiplied.

A cell hands over its local Jacobians J_t = dh_t/dh_{t-1}, t = 1..T, as a
`Factors` object (J_t = 10**log10_scale[t-1] * matrix(t)). Products
dh_t/dh_k = J_t J_{t-1} ... J_{k+1} are carried as a matrix with max |entry| = 1
times a log10 scale, so 1000 factors of 3 (10^477) or of 0.1 (10^-1000) stay
finite. Exact zeros (dead ReLUs, zero weights) give log10 = -inf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from core.logmath import log10_abs, renormalise
from core.norms import SVD_MAX_DIM, Norm, matrix_norms, top_singular

_CHUNK_BYTES = 32 * 2**20
_Product = tuple[int, np.ndarray, float]  # (k, P, s): dh_T/dh_k = 10**s P


@dataclass(frozen=True)
class Factors:
    """Local Jacobians of one unrolled run: J_t = 10**log10_scale[t-1] * matrix(t)."""

    steps: int  # T
    dim: int  # state dimension d
    log10_scale: np.ndarray  # (T,)
    matrix: Callable[[int], np.ndarray]  # t in 1..T -> (d, d)

    def stack(self, ts: range) -> np.ndarray:
        """Matrices for the steps ts, shape (len(ts), d, d)."""
        out = np.empty((len(ts), self.dim, self.dim))
        for i, t in enumerate(ts):
            out[i] = self.matrix(t)
        return out


def _log10_norms(scaled: np.ndarray, scale: np.ndarray, norm: Norm) -> np.ndarray:
    """log10 of 10**scale * ||scaled||, with -inf where the product is exactly zero."""
    values = matrix_norms(scaled, norm)
    out = np.full(scale.shape, -np.inf)
    live = np.isfinite(scale) & (values > 0)
    out[live] = scale[live] + np.log10(values[live])
    return out


def decay(f: Factors, norm: Norm = "spectral") -> np.ndarray:
    """log10 ||dh_T/dh_k|| for k = 0..T, shape (T+1,)."""
    if norm == "spectral" and f.dim > SVD_MAX_DIM:
        return _decay_lanczos(f)
    out = np.empty(f.steps + 1)
    chunk = max(1, _CHUNK_BYTES // (8 * f.dim * f.dim))
    for group in _batched(_products(f), chunk):
        ks = [k for k, _, _ in group]
        out[ks] = _log10_norms(np.stack([p for _, p, _ in group]), np.array([s for _, _, s in group]), norm)
    return out


def _batched(items: Iterator[_Product], size: int) -> Iterator[list[_Product]]:
    group: list[_Product] = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _products(f: Factors) -> Iterator[_Product]:
    """Yield (k, P, s) for k = T..0 with dh_T/dh_k = 10**s P and max |P| = 1 (s = -inf: exactly zero)."""
    prod, scale = np.eye(f.dim), 0.0
    yield f.steps, prod, scale
    for k in range(f.steps - 1, -1, -1):
        if np.isfinite(scale):
            prod = prod @ f.matrix(k + 1)  # a new array: earlier yields stay valid
            peak = float(np.max(np.abs(prod)))
            if peak > 0:
                prod /= peak
                scale += np.log10(peak) + float(f.log10_scale[k])
            else:
                scale = -np.inf
        yield k, prod, scale


def _decay_lanczos(f: Factors) -> np.ndarray:
    """Spectral decay for large d: one warm-started Lanczos run per product instead of an SVD."""
    out = np.empty(f.steps + 1)
    left = np.ones(f.dim)
    for k, prod, scale in _products(f):
        if not np.isfinite(scale):
            out[k] = -np.inf
            continue
        # The top left singular vector of dh_T/dh_k changes slowly with k: start from the last one.
        start = prod.T @ left
        if not np.any(start):
            start = np.ones(f.dim)
        sigma, left = top_singular(prod, start)
        out[k] = scale + np.log10(sigma)
    return out


def pairs(f: Factors, norm: Norm = "spectral") -> np.ndarray:
    """log10 ||dh_t/dh_k|| for 0 <= k <= t <= T as a (T+1, T+1) array [t, k]; NaN above the diagonal."""
    T, d = f.steps, f.dim
    out = np.full((T + 1, T + 1), np.nan)
    idx = np.arange(T + 1)
    out[idx, idx] = _log10_norms(np.eye(d)[None], np.zeros(1), norm)[0]
    if T == 0:
        return out
    mats = f.stack(range(1, T + 1))  # (T, d, d): mats[j] = matrix(j + 1)
    scales = np.asarray(f.log10_scale, dtype=float)  # (T,)
    # Lag L: Q[t] = dh_t/dh_{t-L} for t = L..T, grown by one factor on the right each lag.
    q, q_scale = mats.copy(), np.zeros(T)
    for lag in range(1, T + 1):
        if lag > 1:
            q = q[1:] @ mats[: T - lag + 1]  # (T-lag+1, d, d): t = lag..T
            q_scale = q_scale[1:]
        q, peak = renormalise(q)
        q_scale = q_scale + peak + scales[: T - lag + 1]
        t = np.arange(lag, T + 1)
        out[t, t - lag] = _log10_norms(q, q_scale, norm)
    return out


def units(f: Factors, probe: np.ndarray) -> np.ndarray:
    """log10 |dL/dh_k[i]| for L = <probe, h_T>, shape (d, T+1) [unit i, step k]."""
    T, d = f.steps, f.dim
    out = np.empty((d, T + 1))
    g = np.asarray(probe, dtype=float).copy()
    peak = float(np.max(np.abs(g)))
    scale = float(np.log10(peak)) if peak > 0 else -np.inf
    if peak > 0:
        g /= peak
    for k in range(T, -1, -1):
        if k < T and np.isfinite(scale):
            g = g @ f.matrix(k + 1)
            peak = float(np.max(np.abs(g)))
            if peak > 0:
                g /= peak
                scale += float(np.log10(peak)) + float(f.log10_scale[k])
            else:
                scale = -np.inf
        out[:, k] = log10_abs(g) + scale if np.isfinite(scale) else -np.inf
    return out


def diagonal_path(log10_diag: np.ndarray) -> np.ndarray:
    """log10 |prod_{j=k+1..T} D_j| per unit for diagonal factors given as log10 |D_j|, (T, d) -> (d, T+1)."""
    T, d = log10_diag.shape
    out = np.zeros((d, T + 1))
    # Suffix sums: out[:, k] = sum_{j > k} log10 D_j; -inf stays -inf.
    out[:, :T] = np.cumsum(log10_diag[::-1], axis=0)[::-1].T
    return out
