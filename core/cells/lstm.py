"""LSTM cell with state (h, c); its local Jacobian is d(h_t, c_t)/d(h_{t-1}, c_{t-1}), shape (2n, 2n).

f = sigmoid(W_f [h, x] + b_f)   i = sigmoid(W_i [h, x] + b_i)
g = tanh(W_c [h, x] + b_c)      o = sigmoid(W_o [h, x] + b_o)
c_t = f * c_{t-1} + i * g       h_t = o * tanh(c_t)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.activations import log_sigmoid, log_tanh_derivative, sigmoid
from core.jacobian import Factors

GATES = ("f", "i", "c", "o")  # order of the first axis of Wh, Wx, b


@dataclass(frozen=True)
class LSTMParams:
    """Weights of one LSTM; gate order f, i, c (candidate), o."""

    Wh: np.ndarray  # (4, n, n) recurrent part of W_gate
    Wx: np.ndarray  # (4, n, n_in) input part of W_gate
    b: np.ndarray  # (4, n)
    h0: np.ndarray  # (n,)
    c0: np.ndarray  # (n,)


@dataclass(frozen=True)
class LSTMTrace:
    """One forward run."""

    pre: np.ndarray  # (T, 4, n) gate pre-activations
    gates: np.ndarray  # (T, 4, n) f, i, g, o
    h: np.ndarray  # (T+1, n)
    c: np.ndarray  # (T+1, n)


def _gates(a: np.ndarray) -> np.ndarray:
    """(..., 4, n) pre-activations -> f, i, g, o."""
    out = sigmoid(a)
    out[..., 2, :] = np.tanh(a[..., 2, :])
    return out


def step(p: LSTMParams, h: np.ndarray, c: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) from (h_{t-1}, c_{t-1}) and x_t."""
    f, i, g, o = _gates(p.Wh @ h + p.Wx @ x + p.b)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def forward(p: LSTMParams, x: np.ndarray) -> LSTMTrace:
    """Unroll over x (T, n_in); every quantity is bounded (|h| < 1, |c_t| <= |c_0| + t)."""
    T, n = x.shape[0], p.h0.shape[0]
    drive = np.einsum("gni,ti->tgn", p.Wx, x) + p.b  # (T, 4, n)
    pre = np.empty((T, 4, n))
    gates = np.empty((T, 4, n))
    h = np.empty((T + 1, n))
    c = np.empty((T + 1, n))
    h[0], c[0] = p.h0, p.c0
    for t in range(T):
        pre[t] = p.Wh @ h[t] + drive[t]
        gates[t] = _gates(pre[t])
        f, i, g, o = gates[t]
        c[t + 1] = f * c[t] + i * g
        h[t + 1] = o * np.tanh(c[t + 1])
    return LSTMTrace(pre, gates, h, c)


def _blocks(p: LSTMParams, trace: LSTMTrace, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """J_t = [[A, diag(d1)], [B, diag(d2)]] as (C = [A; B] (2n, n), d1, d2); A = dh/dh, B = dc/dh."""
    a = trace.pre[t - 1]
    f, i, g, o = trace.gates[t - 1]
    c_prev, c_t = trace.c[t - 1], trace.c[t]
    d_sig = np.exp(-np.logaddexp(0.0, -a) - np.logaddexp(0.0, a))  # sigmoid'(a) for all four rows
    d_g = np.exp(log_tanh_derivative(a[2]))
    d_tc = np.exp(log_tanh_derivative(c_t))
    Wf, Wi, Wc, Wo = p.Wh
    n = f.shape[0]
    C = np.empty((2 * n, n))
    dc_dh = C[n:]
    np.multiply((c_prev * d_sig[0])[:, None], Wf, out=dc_dh)
    dc_dh += (g * d_sig[1])[:, None] * Wi
    dc_dh += (i * d_g)[:, None] * Wc
    np.multiply((o * d_tc)[:, None], dc_dh, out=C[:n])
    C[:n] += (np.tanh(c_t) * d_sig[3])[:, None] * Wo
    return C, o * d_tc * f, f


def local_jacobian(p: LSTMParams, trace: LSTMTrace, t: int) -> np.ndarray:
    """d(h_t, c_t)/d(h_{t-1}, c_{t-1}) for t in 1..T, shape (2n, 2n), state order (h, c)."""
    C, d1, d2 = _blocks(p, trace, t)
    n = d1.shape[0]
    J = np.zeros((2 * n, 2 * n))
    J[:, :n] = C
    J[np.arange(n), n + np.arange(n)] = d1
    J[n + np.arange(n), n + np.arange(n)] = d2
    return J


def factors(p: LSTMParams, trace: LSTMTrace) -> Factors:
    """Full-state Jacobians, through every path (cell and hidden); products use the block structure."""
    T, n = trace.gates.shape[0], trace.h.shape[1]

    def right_mul(m: np.ndarray, t: int, out: np.ndarray) -> None:
        C, d1, d2 = _blocks(p, trace, t)
        np.matmul(m, C, out=out[:, :n])  # the dense column block: one GEMM of half the size
        np.multiply(m[:, :n], d1, out=out[:, n:])
        out[:, n:] += m[:, n:] * d2

    def right_mul_t(x: np.ndarray, t: int) -> np.ndarray:
        C, d1, d2 = _blocks(p, trace, t)
        out = x[:, :n] @ C.T  # [X_h A^T, X_h B^T]
        out[:, :n] += x[:, n:] * d1
        out[:, n:] += x[:, n:] * d2
        return out

    return Factors(T, 2 * n, np.zeros(T), lambda t: local_jacobian(p, trace, t), right_mul, right_mul_t)


def log10_forget(trace: LSTMTrace) -> np.ndarray:
    """log10 f_t per unit, (T, n): the cell-state path dc_t/dc_{t-1} = diag(f_t) in log space."""
    return log_sigmoid(trace.pre[:, 0, :]) / np.log(10.0)
