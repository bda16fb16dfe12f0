"""One backward sweep for everything a request shows that runs from T down to 0: the only place
where products are formed backwards (the decay curve, the unit view and the heatmap estimate).

The decay curve (dh_T/dh_k, a d x d product), the unit view (u^T dh_T/dh_k, one
row) and the heatmap estimate (a_t^T dh_t/dh_k for the sampled targets t > k, one
row each) are all rows multiplied on the right by the same J_{k+1} at every step.
Stacked, they cost one GEMM and one construction of the cell's Jacobian per step
instead of three. Rows of targets are kept in decreasing t, so the active ones
(t > k) are always a prefix.
"""

from __future__ import annotations

import numpy as np

from core import deadline, pairs
from core.jacobian import Factors, log10_norms, max_abs
from core.logmath import log10_abs
from core.norms import SEQUENTIAL_MIN_DIM, Norm, generic_start, spectral_norm

_CHUNK = 128  # small-d decay products whose norms are taken together


def backward(
    f: Factors,
    norm: Norm,
    probe: np.ndarray,
    rows: np.ndarray | None,
    cols: np.ndarray | None,
    with_decay: bool = True,
) -> tuple[np.ndarray, np.ndarray, pairs.Heatmap | None]:
    """(decay (T+1,), units (d, T+1), estimate heatmap at rows x cols or None when rows is None).

    with_decay=False leaves out the d x d block (the decay comes back as NaN): only the rows run.
    """
    T, d = f.steps, f.dim
    p = d if with_decay else 0  # rows of the P block
    order = np.zeros(0, dtype=np.int64) if rows is None else np.argsort(-rows, kind="stable")
    targets = np.zeros(0, dtype=np.int64) if rows is None else rows[order]  # decreasing t
    m = targets.size
    S = np.zeros((p + 1 + m, d))  # [P; g; G]
    out_S = np.empty_like(S)
    S[:p] = np.eye(d)[:p]
    g_scale = _load_row(S, p, probe)
    p_scale = 0.0
    row_scale = np.zeros(m)
    a = pairs.lyapunov_directions(f) if m else None
    heat = np.full((m, 0 if cols is None else cols.size), np.nan)
    col_of = {} if cols is None else {int(k): j for j, k in enumerate(cols)}

    decay = np.full(T + 1, np.nan)
    units = np.empty((d, T + 1))
    sequential = norm == "spectral" and d >= SEQUENTIAL_MIN_DIM
    left = generic_start(d)
    chunk, chunk_scale = np.empty((_CHUNK if p else 0, d, d)), np.empty(_CHUNK)
    chunk_k: list[int] = []
    active = 0  # G rows with t > k

    def record(k: int) -> None:
        nonlocal left, chunk_k
        if p and sequential:
            decay[k] = p_scale  # P was divided by its own norm right after the product
        elif p:
            chunk[len(chunk_k)], chunk_scale[len(chunk_k)] = S[:p], p_scale
            chunk_k.append(k)
            if len(chunk_k) == _CHUNK or k == 0:
                values, found = log10_norms(chunk[: len(chunk_k)], chunk_scale[: len(chunk_k)], norm, left)
                decay[chunk_k] = values
                left = found if found is not None else left
                chunk_k = []
        # units
        units[:, k] = log10_abs(S[p]) + g_scale if np.isfinite(g_scale) else -np.inf
        # estimate
        if k in col_of and active:
            G = S[p + 1 : p + 1 + active]
            lengths = np.sqrt(np.einsum("ij,ij->i", G, G))
            live = np.isfinite(row_scale[:active]) & (lengths > 0)
            col = np.full(active, -np.inf)
            col[live] = row_scale[:active][live] + np.log10(lengths[live])
            heat[:active, col_of[k]] = col

    def admit(k: int) -> None:
        nonlocal active
        while active < m and targets[active] == k:
            assert a is not None
            S[p + 1 + active] = a[k]  # dh_t/dh_t = I: the row starts as a_t
            row_scale[active] = 0.0
            active += 1

    admit(T)
    record(T)
    for k in range(T - 1, -1, -1):
        deadline.check()
        n_rows = p + 1 + active
        f.right(S[:n_rows], k + 1, out_S[:n_rows])
        S, out_S = out_S, S
        step_scale = float(f.log10_scale[k])
        # P: one scale for the whole block (it is a matrix); g and each G row: a scale of their own.
        # For large d the block is divided by its spectral norm, which the decay curve needs anyway.
        if p and sequential and np.isfinite(p_scale):
            peak, left = spectral_norm(S[:p], left)
        else:
            peak = float(max_abs(S[:p])) if p else 0.0
        if peak > 0 and np.isfinite(p_scale):
            S[:p] /= peak  # not *= 1 / peak: for a subnormal peak that is inf
            p_scale += np.log10(peak) + step_scale
        else:
            p_scale = -np.inf
        peaks = max_abs(S[p:n_rows], axis=(1,))
        live = peaks > 0
        S[p:n_rows][live] /= peaks[live][:, None]
        g_scale = g_scale + float(log10_abs(peaks[0])) + step_scale if live[0] else -np.inf
        if active:
            row_scale[:active] = np.where(live[1:], row_scale[:active] + log10_abs(peaks[1:]) + step_scale, -np.inf)
        admit(k)
        record(k)
    estimate = None
    if rows is not None and cols is not None:
        values = np.full((m, cols.size), np.nan)
        values[order] = heat
        estimate = pairs.Heatmap(values, rows, cols, False)
    return decay, units, estimate


def _load_row(S: np.ndarray, i: int, v: np.ndarray) -> float:
    """Put v into row i scaled to max |entry| 1; its log10 scale (-inf for a zero vector)."""
    peak = float(max_abs(v))
    if peak == 0:
        S[i] = 0.0
        return -np.inf
    S[i] = v / peak
    return float(np.log10(peak))
