"""The information-flow regulariser of Pascanu, Mikolov & Bengio (2013), for the vanilla RNN.

    Omega = (1/B) sum_b sum_{k=1..T-1} ( ||v_{k+1} dh_{k+1}/dh_k|| / ||v_{k+1}|| - 1 )^2,   v_t = dE/dh_t,

with dh_{k+1}/dh_k = diag(1 - h_{k+1}^2) Wh: each term asks the error signal to keep its size over one step
back. As in the paper, v_{k+1} is held constant when Omega is differentiated (it is the BPTT signal of the
current parameters, not a function of them); everything else (Wh, and h_{k+1} through the forward pass, so
Wh, Wx and b) is differentiated exactly. Terms whose v_{k+1} is exactly zero are left out.

It is defined here for the vanilla RNN only: the LSTM's and GRU's one-step Jacobians are not one matrix
times a diagonal, and the web layer refuses a regulariser weight for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.training.models import Params, Trace


@dataclass(frozen=True)
class Flow:
    """Omega, its gradient (under the constant-v approximation) and the per-step ratios."""

    omega: float
    grads: Params  # Wh, Wx, b
    ratio: np.ndarray  # (T-1, B): ||v_{k+1} dh_{k+1}/dh_k|| / ||v_{k+1}|| for k = 1..T-1 (nan where v = 0)


def _unit_rows(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """v / ||v|| per row of (..., n), computed without overflow, and where ||v|| > 0."""
    top = np.max(np.abs(v), axis=-1, keepdims=True)
    ok = top[..., 0] > 0
    safe = np.where(top > 0, top, 1.0)
    scaled = v / safe
    norm = np.sqrt(np.sum(scaled**2, axis=-1, keepdims=True))
    return np.where(ok[..., None], scaled / np.where(norm > 0, norm, 1.0), 0.0), ok


def information_flow(p: Params, tr: Trace, v: np.ndarray) -> Flow:
    """Omega and dOmega/d(Wh, Wx, b) of a vanilla RNN run, with v (T+1, B, n) = dE/dh_t held constant."""
    W = p["Wh"]
    h = tr.h  # (T+1, B, n)
    T, B = tr.x.shape[:2]
    u, ok = _unit_rows(v[2:])  # (T-1, B, n): v_{k+1} / ||v_{k+1}|| for k = 1..T-1
    d = 1.0 - h[2:] ** 2  # (T-1, B, n) tanh'(a_{k+1})
    pk = u * d  # v dh_{k+1}/dh_k = (u * d) W, row convention
    w = pk @ W  # (T-1, B, n)
    r = np.sqrt(np.sum(w**2, axis=-1))  # (T-1, B)
    r = np.where(ok, r, 1.0)  # left-out terms contribute 0
    omega = float(np.sum((r - 1.0) ** 2)) / B
    q = np.where((r > 0)[..., None], (2.0 * (r - 1.0) / np.where(r > 0, r, 1.0) / B)[..., None] * w, 0.0)
    q = np.where(ok[..., None], q, 0.0)  # dOmega/dw
    gW = np.tensordot(pk, q, ([0, 1], [0, 1]))  # through Wh directly
    # Through h_{k+1}: dOmega/da_{k+1} = u * (q W^T) * d tanh'(a)/da, d tanh'/da = -2 h tanh'(a).
    e = np.zeros_like(h[1:])  # (T, B, n), index t-1 for a_t
    e[1:] = u * (q @ W.T) * (-2.0 * h[2:] * d)
    # Backpropagate these injections through a_{t+1} = Wh h_t + ...: A_t = e_t + (A_{t+1} Wh) * tanh'(a_t).
    dt = 1.0 - h[1:] ** 2
    A = np.empty_like(e)
    carry = np.zeros((B, W.shape[0]))
    for t in range(T - 1, -1, -1):
        A[t] = e[t] + (carry @ W) * dt[t]
        carry = A[t]
    both = ([0, 1], [0, 1])
    grads = {
        "Wh": gW + np.tensordot(A, h[:-1], both),
        "Wx": np.tensordot(A, tr.x, both),
        "b": A.sum(axis=(0, 1)),
    }
    return Flow(omega, grads, np.where(ok, r, np.nan))
