"""Vanilla RNN cell: a_t = W h_{t-1} + U x_t + b, h_t = phi(a_t); J_t = diag(phi'(a_t)) W."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import deadline
from core.activations import ACTIVATIONS
from core.jacobian import Factors

# Rescale the carried state when it passes 2^RESCALE_BITS (ReLU / linear runs that explode).
_RESCALE_BITS = 512


@dataclass(frozen=True)
class RNNParams:
    """Weights of one vanilla RNN."""

    W: np.ndarray  # (n, n) recurrent
    U: np.ndarray  # (n, n_in) input
    b: np.ndarray  # (n,)
    h0: np.ndarray  # (n,)
    activation: str


@dataclass(frozen=True)
class RNNTrace:
    """One forward run; true values are the stored ones times 2**log2_scale."""

    pre: np.ndarray  # (T, n) pre-activations a_1..a_T
    pre_log2: np.ndarray  # (T,) int
    states: np.ndarray  # (T+1, n) h_0..h_T
    states_log2: np.ndarray  # (T+1,) int


def step(p: RNNParams, h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """h_t from h_{t-1} and x_t (plain float arithmetic)."""
    return ACTIVATIONS[p.activation].phi(p.W @ h + p.U @ x + p.b)


def local_jacobian(p: RNNParams, a: np.ndarray) -> np.ndarray:
    """dh_t/dh_{t-1} = diag(phi'(a_t)) W for the pre-activation a_t, shape (n, n)."""
    return ACTIVATIONS[p.activation].dphi(a)[:, None] * p.W


def forward(p: RNNParams, x: np.ndarray) -> RNNTrace:
    """Unroll over x (T, n_in).

    Bounded activations never need rescaling. ReLU, leaky ReLU and linear are
    positively homogeneous, so an exploding state is carried as h * 2**e: the
    input term is scaled down by the same power of two and the sign pattern of
    a_t (all their derivatives depend on) stays exact.
    """
    act = ACTIVATIONS[p.activation]
    T, n = x.shape[0], p.W.shape[0]
    drive = x @ p.U.T + p.b  # (T, n): U x_t + b
    pre = np.empty((T, n))
    pre_log2 = np.zeros(T, dtype=np.int64)
    states = np.empty((T + 1, n))
    states_log2 = np.zeros(T + 1, dtype=np.int64)
    h, e = np.asarray(p.h0, dtype=float).copy(), 0
    states[0] = h
    for t in range(T):
        deadline.check()
        with np.errstate(under="ignore"):  # inputs negligible beside an exploded state round to 0
            a = p.W @ h + (np.ldexp(drive[t], -e) if e else drive[t])
        pre[t], pre_log2[t] = a, e
        h = act.phi(a)
        if act.homogeneous:
            peak = float(np.max(np.abs(h)))
            if peak > 2.0**_RESCALE_BITS:
                shift = int(np.frexp(peak)[1])
                h = np.ldexp(h, -shift)
                e += shift
        states[t + 1], states_log2[t + 1] = h, e
    return RNNTrace(pre, pre_log2, states, states_log2)


def factors(p: RNNParams, trace: RNNTrace) -> Factors:
    """J_t = 10**s_t diag(d_t) W with max d_t = 1, so tiny phi' never underflows the product."""
    act = ACTIVATIONS[p.activation]
    log_d = act.log_dphi(trace.pre)  # (T, n), natural log, -inf where phi' = 0
    top = np.max(log_d, axis=1)  # (T,)
    dead = ~np.isfinite(top)  # every unit has phi' = 0 at that step
    top_safe = np.where(dead, 0.0, top)
    rows = np.exp(log_d - top_safe[:, None])  # (T, n), in [0, 1]
    # W's own magnitude is carried in the scale too: products of a subnormal W (scale ~ 1e-320) would lose
    # every digit in float arithmetic.
    w_peak = float(np.max(np.abs(p.W)))
    W = p.W / w_peak if w_peak > 0 else p.W
    log10_scale = top_safe / np.log(10.0) + (np.log10(w_peak) if w_peak > 0 else 0.0)
    WT = np.ascontiguousarray(W.T)

    def matrix(t: int) -> np.ndarray:
        return rows[t - 1][:, None] * W

    scratch: dict[tuple[int, ...], np.ndarray] = {}

    def right_mul(m: np.ndarray, t: int, out: np.ndarray) -> None:
        tmp = scratch.get(m.shape)
        if tmp is None:
            tmp = scratch[m.shape] = np.empty(m.shape)
        np.multiply(m, rows[t - 1], out=tmp)
        np.matmul(tmp, W, out=out)  # P diag(r) W: one GEMM

    def right_mul_t(x: np.ndarray, t: int) -> np.ndarray:
        out = x @ WT  # X (diag(r) W)^T = (X W^T) diag(r)
        out *= rows[t - 1]
        return out

    return Factors(trace.pre.shape[0], W.shape[0], log10_scale, matrix, right_mul, right_mul_t)
