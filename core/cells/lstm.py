"""LSTM cell with state (h, c); its local Jacobian is d(h_t, c_t)/d(h_{t-1}, c_{t-1}), shape (2n, 2n).

f = sigmoid(W_f [h, x] + p_f * c_{t-1} + b_f)   i = sigmoid(W_i [h, x] + p_i * c_{t-1} + b_i)
g = tanh(W_c [h, x] + b_c)                       o = sigmoid(W_o [h, x] + p_o * c_t + b_o)
c_t = f * c_{t-1} + i * g                        h_t = o * tanh(c_t)

Variants: peephole connections (Gers & Schmidhuber 2000) are the diagonal weights p_f, p_i, p_o
(absent in the standard cell); coupled gates replace the input gate by i = 1 - f = sigmoid(-a_f).
Every variant keeps the Jacobian's structure [[A, diag(d1)], [B, diag(d2)]]: peepholes only read
their own unit's cell, so they add to the diagonal blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import deadline
from core.activations import log_sigmoid, log_tanh_derivative, sigmoid
from core.jacobian import Factors
from core.logmath import LN10, log10_abs

GATES = ("f", "i", "c", "o")  # order of the first axis of Wh, Wx, b
PEEPHOLES = ("f", "i", "o")  # order of the first axis of LSTMParams.peep


@dataclass(frozen=True)
class LSTMParams:
    """Weights of one LSTM; gate order f, i, c (candidate), o."""

    Wh: np.ndarray  # (4, n, n) recurrent part of W_gate
    Wx: np.ndarray  # (4, n, n_in) input part of W_gate
    b: np.ndarray  # (4, n)
    h0: np.ndarray  # (n,)
    c0: np.ndarray  # (n,)
    peep: np.ndarray | None = None  # (3, n) peephole weights p_f, p_i, p_o; None: no peepholes
    coupled: bool = False  # i = 1 - f: the input gate's own weights (row 1) are not used


@dataclass(frozen=True)
class LSTMTrace:
    """One forward run. pre holds the full gate arguments (peephole terms included; for coupled
    gates row 1 is -a_f, so i = sigmoid(pre[:, 1]) = 1 - f)."""

    pre: np.ndarray  # (T, 4, n) gate pre-activations
    gates: np.ndarray  # (T, 4, n) f, i, g, o
    h: np.ndarray  # (T+1, n)
    c: np.ndarray  # (T+1, n)


def _sig_tanh(a: np.ndarray, out: np.ndarray) -> None:
    """(4, n) pre-activations -> f, i, g, o into out."""
    out[:] = sigmoid(a)
    out[2] = np.tanh(a[2])


def _peep(p: LSTMParams, gate: int) -> np.ndarray | float:
    return 0.0 if p.peep is None else p.peep[gate]


def step(p: LSTMParams, h: np.ndarray, c: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) from (h_{t-1}, c_{t-1}) and x_t."""
    trace = forward(LSTMParams(p.Wh, p.Wx, p.b, h, c, p.peep, p.coupled), x[None, :])
    return trace.h[1], trace.c[1]


def forward(p: LSTMParams, x: np.ndarray) -> LSTMTrace:
    """Unroll over x (T, n_in); every quantity is bounded (|h| < 1, |c_t| <= |c_0| + t)."""
    T, n = x.shape[0], p.h0.shape[0]
    drive = np.einsum("gni,ti->tgn", p.Wx, x) + p.b  # (T, 4, n)
    pre = np.empty((T, 4, n))
    gates = np.empty((T, 4, n))
    h = np.empty((T + 1, n))
    c = np.empty((T + 1, n))
    h[0], c[0] = p.h0, p.c0
    pf, pi, po = (_peep(p, j) for j in range(3))
    for t in range(T):
        deadline.check()
        a = pre[t]
        np.add(p.Wh @ h[t], drive[t], out=a)
        if p.peep is not None:
            a[0] += pf * c[t]
            a[1] += pi * c[t]
        if p.coupled:
            a[1] = -a[0]
        _sig_tanh(a, gates[t])
        f, i, g, _ = gates[t]
        c[t + 1] = f * c[t] + i * g
        if p.peep is not None:  # the output gate looks at the new cell
            a[3] += po * c[t + 1]
            gates[t, 3] = sigmoid(a[3])
        h[t + 1] = gates[t, 3] * np.tanh(c[t + 1])
    return LSTMTrace(pre, gates, h, c)


def _blocks(p: LSTMParams, trace: LSTMTrace, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """J_t = [[A, diag(d1)], [B, diag(d2)]] as (C = [A; B] (2n, n), d1, d2); A = dh/dh, B = dc/dh."""
    a = trace.pre[t - 1]
    f, i, g, o = trace.gates[t - 1]
    c_prev, c_t = trace.c[t - 1], trace.c[t]
    d_sig = np.exp(-np.logaddexp(0.0, -a) - np.logaddexp(0.0, a))  # sigmoid'(a) for all four rows
    d_g = np.exp(log_tanh_derivative(a[2]))
    d_tc = np.exp(log_tanh_derivative(c_t))
    tanh_c = np.tanh(c_t)
    Wf, Wi, Wc, Wo = p.Wh
    n = f.shape[0]
    # dc_t/dh_{t-1} = diag(c_prev f') W_f + diag(g i') W_i + diag(i g') W_c; coupled: W_i -> -W_f.
    via_f = c_prev * d_sig[0] - (g * d_sig[1] if p.coupled else 0.0)
    C = np.empty((2 * n, n))
    dc_dh = C[n:]
    np.multiply(via_f[:, None], Wf, out=dc_dh)
    if not p.coupled:
        dc_dh += (g * d_sig[1])[:, None] * Wi
    dc_dh += (i * d_g)[:, None] * Wc
    # dc_t/dc_{t-1} (diagonal): f, plus what the peepholes of f and i read from c_{t-1}.
    d2 = f
    if p.peep is not None:
        pf, pi, _ = p.peep
        d2 = f + via_f * pf if p.coupled else f + c_prev * d_sig[0] * pf + g * d_sig[1] * pi
    # h_t = o tanh(c_t): d h_t / d c_t (diagonal) includes the output gate's peephole.
    kappa = o * d_tc
    if p.peep is not None:
        kappa = kappa + tanh_c * d_sig[3] * p.peep[2]
    np.multiply(kappa[:, None], dc_dh, out=C[:n])
    C[:n] += (tanh_c * d_sig[3])[:, None] * Wo
    return C, kappa * d2, d2


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


def log10_carry(p: LSTMParams, trace: LSTMTrace) -> np.ndarray:
    """log10 |dc_t/dc_{t-1}| per unit along the cell alone (h held fixed), (T, n).

    The forget gate f_t itself, in log space, for the standard and coupled cells; with peepholes
    also the terms through f's and i's view of c_{t-1}.
    """
    if p.peep is None:
        return log_sigmoid(trace.pre[:, 0, :]) / LN10
    a, gates, c_prev = trace.pre, trace.gates, trace.c[:-1]
    d_sig = np.exp(-np.logaddexp(0.0, -a[:, :2]) - np.logaddexp(0.0, a[:, :2]))  # (T, 2, n): f', i'
    pf, pi, _ = p.peep
    via_f = c_prev * d_sig[:, 0] - (gates[:, 2] * d_sig[:, 1] if p.coupled else 0.0)
    extra = via_f * pf if p.coupled else c_prev * d_sig[:, 0] * pf + gates[:, 2] * d_sig[:, 1] * pi
    return log10_abs(gates[:, 0] + extra)
