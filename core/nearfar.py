"""Near versus far terms of the total BPTT gradient of a vanilla RNN (claim C6).

With the loss E = sum_{t=1..T} E_t, E_t = <u, h_t>, the recurrent-weight gradient is a double sum

    dE/dW = sum_t sum_{k<=t} G_{t,k},   G_{t,k} = (phi'(a_k) ⊙ r_{t,k}) h_{k-1}^T,   r_{t,k} = (dh_t/dh_k)^T u.

Grouped by the distance delta = t - k it is dE/dW = sum_{delta=0..T-1} S_delta, S_delta = sum_t G_{t,t-delta}.
Even when the far terms S_delta vanish the total does not: it is carried by the near ones.

Both the terms and the tails sum_{delta>=d} S_delta come from one recursion over the distance, on rows k = 1..T-d:

    R_0[k] = u,                                    R_{d+1}[k] = W^T (phi'(a_{k+1}) ⊙ R_d[k+1])   (R_d[k] = r_{k+d,k})
    A_0[k] = u + W^T (phi'(a_{k+1}) ⊙ A_0[k+1]),   A_{d+1}[k] = W^T (phi'(a_{k+1}) ⊙ A_d[k+1])   (A_d[k] = sum_{t>=k+d} r_{t,k})
    S_d = sum_k (phi'(a_k) ⊙ R_d[k]) h_{k-1}^T,    tail(d) = sum_k (phi'(a_k) ⊙ A_d[k]) h_{k-1}^T.

A_0 is the usual BPTT adjoint. A tail computed from A_d, rather than as the total minus the near terms, is
accurate to rounding relative to its own terms even when it is 10^-300 of the total. Per distance the cost is
four (T-d) x n x n GEMMs (R and A advanced one step, S_d and tail(d) summed): about 2 T^2 n^2 multiply-adds.

Every backward vector and state is a row with max |entry| in [0.5, 1) times 2**exponent, and phi'(a_k) a row
with max |entry| in [0.7, 1.5) times 2**exponent (integer exponents, so the bookkeeping is exact): r_{t,k} of 10^±1000 and states carried as h * 2**e by the forward pass stay finite.
The rows summed into one n x n matrix share the exponent of the largest; rows more than 2^-1074 smaller
round to zero, which is harmless at that ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core import deadline, weights
from core.activations import ACTIVATIONS
from core.cells import rnn
from core.jacobian import max_abs
from core.logmath import LN10

if TYPE_CHECKING:
    from core.config import RNNConfig

# About 2 T^2 n^2 multiply-adds; within this budget (~0.3 s here) the split is computed on request.
WORK_BUDGET = 2.5e9


def work(steps: int, hidden: int) -> float:
    """Multiply-adds of the near/far split: four (T-d) x n x n GEMMs per distance d."""
    return 2.0 * steps**2 * hidden**2


def largest_within_budget(steps: int, hidden: int) -> tuple[int, int]:
    """(largest steps at this hidden, largest hidden at these steps) whose split fits the budget."""
    return math.isqrt(int(WORK_BUDGET / (2 * hidden**2))), math.isqrt(int(WORK_BUDGET / (2 * steps**2)))


_LN2 = float(np.log(2.0))
_LOG10_2 = float(np.log10(2.0))
# n x n matrices kept by nearfar_matrices: T * n^2 entries at most (32 MB per list).
MATRICES_MAX_ENTRIES = 4_000_000
_NO_EXPONENT = np.iinfo(np.int64).min // 2  # stands for the exponent of a zero row


@dataclass(frozen=True)
class NearFar:
    """Gradient norms by distance, all log10 of Frobenius norms; -inf is an exact zero, NaN is 'not defined'.

    log10_term[delta]       ||S_delta||, delta = 0..T-1 (the terms at distance t - k = delta)
    log10_total             ||dE/dW|| = ||sum_delta S_delta||
    log10_tail[d]           ||sum_{delta>=d} S_delta||, the gradient carried by distances >= d (log10_tail[0] = total)
    log10_tail_parts[d]     sum_{delta>=d} ||S_delta||, the same without cancellation between distances
    log10_share[d]          log10_tail[d] - log10_total: the tail's share of the total; above 0 when
                            the near terms cancel part of the far ones
    """

    log10_term: np.ndarray  # (T,)
    log10_total: float
    log10_tail: np.ndarray  # (T,)
    log10_tail_parts: np.ndarray  # (T,)
    log10_share: np.ndarray  # (T,)


def _normalize_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rescale x in place, row by row along the last axis, to max |entry| in [0.5, 1) by a power of two.

    Returns (exponents, live): true row = new row * 2**exponent; zero rows stay zero with live False.
    """
    peak = max_abs(x, axis=(x.ndim - 1,))
    exponent = np.frexp(peak)[1].astype(np.int64)
    if exponent.size and np.min(exponent) < -1000:  # 2**-exponent would overflow: slower exact ldexp
        np.ldexp(x, -exponent[..., None], out=x)
    else:  # multiplying by a power of two is exact, and several times faster than ldexp
        x *= np.ldexp(1.0, -exponent)[..., None]
    return exponent, peak > 0


def _adjoint(W: np.ndarray, D: np.ndarray, e_d: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A_0[k] = sum_{t>=k} (dh_t/dh_k)^T u for k = 1..T as rows (T, n) times 2**exponents (T,)."""
    T, n = D.shape
    un = np.array(u, dtype=float).reshape(1, n)
    e_u = int(_normalize_rows(un)[0][0])
    A = np.zeros((T, n))
    e_a = np.zeros(T, dtype=np.int64)
    A[T - 1], e_a[T - 1] = un[0], e_u
    for i in range(T - 2, -1, -1):  # row i is k = i + 1; phi'(a_{k+1}) is D[i + 1]
        deadline.check()
        w = (D[i + 1] * A[i + 1]) @ W
        e_w = int(e_a[i + 1] + e_d[i + 1])  # true W^T(...) = w * 2**e_w
        peak = float(max_abs(w))
        top = max(e_w + int(np.frexp(peak)[1]), e_u) if peak > 0 else e_u
        with np.errstate(under="ignore"):  # the smaller of u and the carried sum may round away
            v = np.ldexp(w, e_w - top) + np.ldexp(un[0], e_u - top)
        exponent, _ = _normalize_rows(v[None, :])
        A[i], e_a[i] = v, top + int(exponent[0])
    return A, e_a


def _log10_fro(m: np.ndarray, log2_scale: float) -> float:
    """log10 (2**log2_scale * ||m||_F) without squaring tiny or huge entries."""
    peak = float(max_abs(m))
    if peak == 0 or not np.isfinite(log2_scale):
        return -np.inf
    return log2_scale * _LOG10_2 + float(np.log10(peak)) + float(np.log10(np.linalg.norm(m / peak)))


def _sweep(
    p: rnn.RNNParams, trace: rnn.RNNTrace, u: np.ndarray, keep: bool
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, float]], list[tuple[np.ndarray, float]]]:
    """(log10 ||S_delta|| (T,), log10 ||tail(d)|| (T,), and when keep the (matrix, log10 scale) of each)."""
    act = ACTIVATIONS[p.activation]
    T, n = trace.pre.shape
    W = np.asarray(p.W, dtype=float)
    # phi'(a_k) = D[k-1] * 2**e_d[k-1]; depends only on the sign pattern for the homogeneous activations
    # whose pre-activations are carried rescaled.
    log_d = act.log_dphi(trace.pre)
    top = np.max(log_d, axis=1)
    e_d = np.where(np.isfinite(top), np.rint(top / _LN2), 0.0).astype(np.int64)
    with np.errstate(under="ignore"):  # entries far below the row maximum may round to 0
        D = np.exp(log_d - e_d[:, None] * _LN2)
    # h_{k-1} = H[k-1] * 2**e_h[k-1], k = 1..T
    H = np.array(trace.states[:T], dtype=float)
    f_h, h_live = _normalize_rows(H)
    e_h = np.asarray(trace.states_log2[:T], dtype=np.int64) + f_h

    cur = np.empty((2, T, n))  # [R_d; A_d]
    e_cur = np.zeros((2, T), dtype=np.int64)
    cur[0] = np.asarray(u, dtype=float)
    e_cur[0] = _normalize_rows(cur[0])[0]
    cur[1], e_cur[1] = _adjoint(W, D, e_d, u)

    log10_term = np.full(T, -np.inf)
    log10_tail = np.full(T, -np.inf)
    terms: list[tuple[np.ndarray, float]] = []
    tails: list[tuple[np.ndarray, float]] = []
    for delta in range(T):
        deadline.check()
        m = T - delta
        # phi'(a_k) ⊙ R_d[k] and phi'(a_k) ⊙ A_d[k] as Q[k] * 2**e_q[k], max |Q[k]| in [0.5, 1).
        Q = cur * D[None, :m]
        f_q, q_live = _normalize_rows(Q)
        e_q = e_cur + e_d[None, :m] + f_q
        live = q_live & h_live[None, :m]
        e_row = np.where(live, e_q + e_h[None, :m], _NO_EXPONENT)  # row k of either sum: Q[k] H[k-1]^T 2**e_row[k]
        ref = np.max(e_row, axis=1)  # (2,) common exponent of each sum
        with np.errstate(under="ignore"):  # rows below 2^-1074 of the largest round to zero
            scaled = Q * np.where(live, np.ldexp(1.0, e_row - ref[:, None]), 0.0)[..., None]
        M = np.matmul(scaled.transpose(0, 2, 1), H[:m])  # (2, n, n): S_d and tail(d) over 2**ref
        log2_ref = np.where(ref > _NO_EXPONENT, ref, -np.inf)
        log10_term[delta] = _log10_fro(M[0], float(log2_ref[0]))
        log10_tail[delta] = _log10_fro(M[1], float(log2_ref[1]))
        if keep:
            terms.append((M[0], float(log2_ref[0]) * _LOG10_2))
            tails.append((M[1], float(log2_ref[1]) * _LOG10_2))
        if m > 1:
            # Row k of the next distance is row k + 1 times J^T; |entries| <= n max |W_ij|, rescaled with Q next.
            cur = np.matmul(Q[:, 1:], W)
            e_cur = e_q[:, 1:]
    return log10_term, log10_tail, terms, tails


def nearfar(p: rnn.RNNParams, trace: rnn.RNNTrace, u: np.ndarray) -> NearFar:
    """Norms of the distance terms S_delta, of their sum dE/dW and of every tail, for E = sum_t <u, h_t>."""
    term, tail, _, _ = _sweep(p, trace, u, keep=False)
    total = float(tail[0])
    # Suffix sums of 10**term in log space: logaddexp(-inf, -inf) = -inf.
    parts = np.logaddexp.accumulate(term[::-1] * LN10)[::-1] / LN10
    share = np.full(tail.shape, np.nan)
    if np.isfinite(total):
        share = tail - total
    return NearFar(term, total, tail, parts, share)


def nearfar_matrices(
    p: rnn.RNNParams, trace: rnn.RNNTrace, u: np.ndarray
) -> tuple[list[tuple[np.ndarray, float]], list[tuple[np.ndarray, float]]]:
    """The terms S_delta and tails sum_{delta'>=delta} S_delta', delta = 0..T-1, each as (matrix, log10 scale):
    the true matrix is matrix * 10**scale (scale -inf for a zero matrix). For small runs only."""
    T, n = trace.pre.shape
    if T * n * n > MATRICES_MAX_ENTRIES:
        raise ValueError(f"T * n^2 = {T * n * n} exceeds {MATRICES_MAX_ENTRIES}: use nearfar() for the norms")
    _, _, terms, tails = _sweep(p, trace, u, keep=True)
    return terms, tails


def run_nearfar(cfg: RNNConfig) -> NearFar:
    """nearfar() for the seeded weights, inputs and probe of a configuration."""
    # Imported here so that core.explore can import this module without an import cycle.
    from core.explore import rnn_params

    p, x = rnn_params(cfg)
    return nearfar(p, rnn.forward(p, x), weights.probe(cfg.seed, cfg.hidden))
