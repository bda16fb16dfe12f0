"""GRU cell in both conventions; its local Jacobian is dh_t/dh_{t-1}, shape (n, n).

Reset before (Cho et al. 2014, the default):

z = sigmoid(W_z h_{t-1} + U_z x_t + b_z)            update gate
r = sigmoid(W_r h_{t-1} + U_r x_t + b_r)            reset gate
g = tanh(W_h (r * h_{t-1}) + U_h x_t + b_h)         candidate; the reset acts before the recurrent matrix
h_t = (1 - z) * h_{t-1} + z * g                     (W_z, W_r, W_h = Wh[0..2]; U_z, U_r, U_h = Wx[0..2])

J_t = diag(1 - z) + M_t,  M_t = diag((g - h_{t-1}) z') W_z + diag(z g') W_h D_t,
D_t = d(r * h_{t-1})/dh_{t-1} = diag(r) + diag(h_{t-1} r') W_r.
The identity path diag(1 - z_t) is the GRU's carry, the analogue of the LSTM forget gate.

Reset after (PyTorch, Keras reset_after=True, ONNX linear_before_reset=1): the reset gate scales the
recurrent term after the matrix, with a recurrent candidate bias b_hn inside it,
g = tanh(U_h x_t + b_h + r * s_t),   s_t = W_h h_{t-1} + b_hn.
Then dg/dh_{t-1} = diag(g') [diag(r) W_h + diag(s_t r') W_r], and
J_t = diag(1 - z) + M_t,  M_t = diag((g - h_{t-1}) z') W_z + diag(z g' r) W_h + diag(z g' s_t r') W_r:
three diagonal-times-matrix terms, so a product with M_t costs three GEMMs of the rows and no n x n GEMM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core import deadline
from core.activations import log_sigmoid, log_tanh_derivative, sigmoid
from core.jacobian import Factors
from core.logmath import LN10

GATES = ("z", "r", "h")  # order of the first axis of Wh, Wx, b


@dataclass(frozen=True)
class GRUParams:
    """Weights of one GRU; gate order z (update), r (reset), h (candidate)."""

    Wh: np.ndarray  # (3, n, n) recurrent part of W_gate
    Wx: np.ndarray  # (3, n, n_in) input part of W_gate
    b: np.ndarray  # (3, n)
    h0: np.ndarray  # (n,)
    reset_after: bool = False  # g = tanh(U_h x + b_h + r * (W_h h + b_hn)) instead of tanh(W_h (r * h) + U_h x + b_h)
    b_hn: np.ndarray | None = None  # (n,) recurrent candidate bias, inside r * (.); reset after only (None: 0)


@dataclass(frozen=True)
class GRUTrace:
    """One forward run."""

    pre: np.ndarray  # (T, 3, n) pre-activations of z, r, g
    gates: np.ndarray  # (T, 3, n) z, r, g
    h: np.ndarray  # (T+1, n)
    s: np.ndarray | None = None  # (T, n) W_h h_{t-1} + b_hn, reset after only


def step(p: GRUParams, h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """h_t from h_{t-1} and x_t."""
    return forward(replace(p, h0=h), x[None, :]).h[1]


def forward(p: GRUParams, x: np.ndarray) -> GRUTrace:
    """Unroll over x (T, n_in); every quantity is bounded (|h_t| <= max(|h_0|, 1))."""
    if p.reset_after:
        return _forward_after(p, x)
    T, n = x.shape[0], p.h0.shape[0]
    drive = np.einsum("gni,ti->tgn", p.Wx, x) + p.b  # (T, 3, n)
    W_zr = p.Wh[:2].reshape(2 * n, n)  # z and r rows in one matrix-vector product
    pre = np.empty((T, 3, n))
    gates = np.empty((T, 3, n))
    h = np.empty((T + 1, n))
    h[0] = p.h0
    with np.errstate(under="ignore"):  # far-saturated gates round to exactly 0 or 1
        for t in range(T):
            deadline.check()
            a = pre[t]
            np.add((W_zr @ h[t]).reshape(2, n), drive[t, :2], out=a[:2])
            gates[t, :2] = sigmoid(a[:2])
            z, r = gates[t, 0], gates[t, 1]
            np.add(p.Wh[2] @ (r * h[t]), drive[t, 2], out=a[2])
            gates[t, 2] = np.tanh(a[2])
            h[t + 1] = sigmoid(-a[0]) * h[t] + z * gates[t, 2]  # 1 - z as sigmoid(-a_z): exact when z ~ 1
    return GRUTrace(pre, gates, h)


def _forward_after(p: GRUParams, x: np.ndarray) -> GRUTrace:
    """forward() with the reset after the recurrent matrix: all three W h in one matrix-vector product."""
    T, n = x.shape[0], p.h0.shape[0]
    drive = np.einsum("gni,ti->tgn", p.Wx, x) + p.b  # (T, 3, n)
    W_all = p.Wh.reshape(3 * n, n)
    b_hn = np.zeros(n) if p.b_hn is None else p.b_hn
    pre = np.empty((T, 3, n))
    gates = np.empty((T, 3, n))
    s = np.empty((T, n))
    h = np.empty((T + 1, n))
    h[0] = p.h0
    with np.errstate(under="ignore"):
        for t in range(T):
            deadline.check()
            a = pre[t]
            wh = (W_all @ h[t]).reshape(3, n)
            np.add(wh[:2], drive[t, :2], out=a[:2])
            gates[t, :2] = sigmoid(a[:2])
            z, r = gates[t, 0], gates[t, 1]
            np.add(wh[2], b_hn, out=s[t])
            np.add(drive[t, 2], r * s[t], out=a[2])
            gates[t, 2] = np.tanh(a[2])
            h[t + 1] = sigmoid(-a[0]) * h[t] + z * gates[t, 2]
    return GRUTrace(pre, gates, h, s)


def _coefficients(a: np.ndarray, gates: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, ...]:
    """(keep, c_z, c_g, r, u) for pre-activations a (..., 3, n): J = diag(keep) + M with
    M = diag(c_z) W_z + diag(c_g) W_h (diag(r) + diag(u) W_r). Each has shape (..., n)."""
    z, r, g = gates[..., 0, :], gates[..., 1, :], gates[..., 2, :]
    with np.errstate(under="ignore"):  # derivatives far in the saturated tails round to 0
        d_sig = np.exp(-np.logaddexp(0.0, -a[..., :2, :]) - np.logaddexp(0.0, a[..., :2, :]))  # z', r'
        d_g = np.exp(log_tanh_derivative(a[..., 2, :]))
        keep = sigmoid(-a[..., 0, :])  # 1 - z without cancellation
        return keep, (g - h_prev) * d_sig[..., 0, :], z * d_g, r, h_prev * d_sig[..., 1, :]


def _coefficients_after(a: np.ndarray, gates: np.ndarray, h_prev: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
    """(keep, c_z, c_h, c_r) for reset after: J = diag(keep) + diag(c_z) W_z + diag(c_h) W_h + diag(c_r) W_r
    with c_z = (g - h_{t-1}) z', c_h = z g' r, c_r = z g' s r'. Each has shape (..., n)."""
    z, r, g = gates[..., 0, :], gates[..., 1, :], gates[..., 2, :]
    with np.errstate(under="ignore"):
        d_sig = np.exp(-np.logaddexp(0.0, -a[..., :2, :]) - np.logaddexp(0.0, a[..., :2, :]))  # z', r'
        zg = z * np.exp(log_tanh_derivative(a[..., 2, :]))
        return sigmoid(-a[..., 0, :]), (g - h_prev) * d_sig[..., 0, :], zg * r, zg * s * d_sig[..., 1, :]


def _dense_after(Wh: np.ndarray, c: tuple[np.ndarray, ...], out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """M (n, n) into out for reset after: three n x n passes, no GEMM."""
    _, cz, ch, cr = c
    Wz, Wr, Wg = Wh
    np.multiply(cz[:, None], Wz, out=out)
    np.multiply(ch[:, None], Wg, out=scratch)
    out += scratch
    np.multiply(cr[:, None], Wr, out=scratch)
    out += scratch
    return out


def _dense(Wh: np.ndarray, c: tuple[np.ndarray, ...], out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """M (n, n) into out from one step's coefficients: one GEMM and four n x n passes."""
    _, cz, cg, r, u = c
    Wz, Wr, Wg = Wh
    n = r.shape[0]
    np.multiply(u[:, None], Wr, out=scratch)  # D = diag(u) W_r + diag(r)
    scratch.ravel()[:: n + 1] += r
    np.matmul(Wg, scratch, out=out)
    out *= cg[:, None]
    np.multiply(cz[:, None], Wz, out=scratch)
    out += scratch
    return out


def _jacobian(Wh: np.ndarray, c: tuple[np.ndarray, ...]) -> np.ndarray:
    """J = diag(keep) + M, a new (n, n) array (reset after when c has four coefficients)."""
    n = c[0].shape[0]
    dense = _dense_after if len(c) == 4 else _dense
    with np.errstate(under="ignore"):
        J = dense(Wh, c, np.empty((n, n)), np.empty((n, n)))
        J.ravel()[:: n + 1] += c[0]
    return J


def local_jacobian(p: GRUParams, trace: GRUTrace, t: int) -> np.ndarray:
    """dh_t/dh_{t-1} for t in 1..T, shape (n, n)."""
    if p.reset_after:
        assert trace.s is not None
        return _jacobian(
            p.Wh, _coefficients_after(trace.pre[t - 1], trace.gates[t - 1], trace.h[t - 1], trace.s[t - 1])
        )
    return _jacobian(p.Wh, _coefficients(trace.pre[t - 1], trace.gates[t - 1], trace.h[t - 1]))


def factors(p: GRUParams, trace: GRUTrace) -> Factors:
    """J_t = diag(1 - z_t) + M_t. A block of many rows builds M_t once and costs one GEMM; a few rows
    (fewer than n/2, e.g. a single direction) go through W_z, W_h, W_r in turn without forming M_t."""
    if p.reset_after:
        return _factors_after(p, trace)
    T, n = trace.gates.shape[0], trace.h.shape[1]
    coef = _coefficients(trace.pre, trace.gates, trace.h[:-1])  # five (T, n) arrays
    Wz, Wr, Wg = p.Wh
    M, D = np.empty((n, n)), np.empty((n, n))

    def at(t: int) -> tuple[np.ndarray, ...]:
        return tuple(v[t - 1] for v in coef)

    def right_mul(m: np.ndarray, t: int, out: np.ndarray) -> None:
        keep, cz, cg, r, u = c = at(t)
        with np.errstate(under="ignore"):  # terms below the double range drop out
            if 2 * m.shape[0] < n:  # P diag(c_z) W_z + Q diag(r) + (Q diag(u)) W_r, Q = P diag(c_g) W_h
                q = (m * cg) @ Wg
                np.matmul(m * cz, Wz, out=out)
                out += q * r
                out += (q * u) @ Wr
            else:
                np.matmul(m, _dense(p.Wh, c, M, D), out=out)
            out += m * keep

    def right_mul_t(x: np.ndarray, t: int) -> np.ndarray:
        keep, cz, cg, r, u = c = at(t)
        with np.errstate(under="ignore"):
            if 2 * x.shape[0] < n:  # X M^T = (X W_z^T) diag(c_z) + ((X diag(r) + (X W_r^T) diag(u)) W_h^T) diag(c_g)
                out = (x * r + (x @ Wr.T) * u) @ Wg.T
                out *= cg
                out += (x @ Wz.T) * cz
            else:
                out = x @ _dense(p.Wh, c, M, D).T
            out += x * keep
        return out

    return Factors(T, n, np.zeros(T), lambda t: _jacobian(p.Wh, at(t)), right_mul, right_mul_t)


def _factors_after(p: GRUParams, trace: GRUTrace) -> Factors:
    """factors() for reset after: P M = (P diag(c_z)) W_z + (P diag(c_h)) W_h + (P diag(c_r)) W_r, and
    X M^T = (X W_z^T) diag(c_z) + (X W_h^T) diag(c_h) + (X W_r^T) diag(c_r); many rows form M_t once."""
    assert trace.s is not None
    T, n = trace.gates.shape[0], trace.h.shape[1]
    coef = _coefficients_after(trace.pre, trace.gates, trace.h[:-1], trace.s)  # four (T, n) arrays
    Wz, Wr, Wg = p.Wh
    M, D = np.empty((n, n)), np.empty((n, n))

    def at(t: int) -> tuple[np.ndarray, ...]:
        return tuple(v[t - 1] for v in coef)

    def right_mul(m: np.ndarray, t: int, out: np.ndarray) -> None:
        keep, cz, ch, cr = c = at(t)
        with np.errstate(under="ignore"):
            if 2 * m.shape[0] < n:
                np.matmul(m * cz, Wz, out=out)
                out += (m * ch) @ Wg
                out += (m * cr) @ Wr
            else:
                np.matmul(m, _dense_after(p.Wh, c, M, D), out=out)
            out += m * keep

    def right_mul_t(x: np.ndarray, t: int) -> np.ndarray:
        keep, cz, ch, cr = c = at(t)
        with np.errstate(under="ignore"):
            if 2 * x.shape[0] < n:
                out = (x @ Wz.T) * cz
                out += (x @ Wg.T) * ch
                out += (x @ Wr.T) * cr
            else:
                out = x @ _dense_after(p.Wh, c, M, D).T
            out += x * keep
        return out

    return Factors(T, n, np.zeros(T), lambda t: _jacobian(p.Wh, at(t)), right_mul, right_mul_t)


def log10_keep(trace: GRUTrace) -> np.ndarray:
    """log10 (1 - z_t) per unit, (T, n): the identity path dh_t/dh_{t-1} = diag(1 - z_t) in log space."""
    return log_sigmoid(-trace.pre[:, 0, :]) / LN10
