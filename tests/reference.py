"""Independent reference: forward passes written from the equations alone, differentiated by complex step.

Nothing here imports the product's core. Complex-step differentiation,
d f(x)/dx_j = Im f(x + i h e_j) / h, has no subtraction error, so these
Jacobians are exact to rounding: a reference for every number the explorer shows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

H = 1e-30


def _relu(z: np.ndarray) -> np.ndarray:
    return np.where(z.real > 0, z, 0.0)


PHI: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": _relu,
    "leaky_relu": lambda z: np.where(z.real > 0, z, 0.01 * z),
    "linear": lambda z: z,
}


def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def rnn_states(w: dict[str, np.ndarray], activation: str) -> list[np.ndarray]:
    """h_0..h_T of h_t = phi(W h_{t-1} + U x_t + b)."""
    phi = PHI[activation]
    hs = [np.asarray(w["h0"], dtype=float)]
    for x in w["x"]:
        hs.append(phi(w["W"] @ hs[-1] + w["U"] @ x + w["b"]).real)
    return hs


def rnn_jacobian(w: dict[str, np.ndarray], activation: str, t: int, k: int) -> np.ndarray:
    """dh_t/dh_k by complex step through steps k+1..t."""
    phi = PHI[activation]
    hk = rnn_states(w, activation)[k]
    n = hk.shape[0]
    cols = []
    for j in range(n):
        h = hk.astype(complex)
        h[j] += 1j * H
        for s in range(k, t):
            h = phi(w["W"] @ h + w["U"] @ w["x"][s] + w["b"])
        cols.append(h.imag / H)
    return np.array(cols).T


def lstm_run(w: dict[str, np.ndarray], state: np.ndarray, start: int, stop: int) -> np.ndarray:
    """(h, c) after steps start+1..stop from the state (h, c) at step start (complex allowed).

    Peepholes when w has p_f, p_i, p_o (f and i read c_{t-1}, o reads c_t); coupled gates
    (i = 1 - f) when w has no input-gate weights.
    """
    n = w["h0"].shape[0]
    h, c = state[:n], state[n:]
    zero = np.zeros(n)
    for s in range(start, stop):
        x = w["x"][s]

        def gate(g: str, h: np.ndarray = h, x: np.ndarray = x) -> np.ndarray:
            return w[f"W_{g}h"] @ h + w[f"W_{g}x"] @ x + w[f"b_{g}"]

        f = _sig(gate("f") + w.get("p_f", zero) * c)
        i = _sig(gate("i") + w.get("p_i", zero) * c) if "W_ih" in w else 1.0 - f
        c = f * c + i * np.tanh(gate("c"))
        h = _sig(gate("o") + w.get("p_o", zero) * c) * np.tanh(c)
    return np.concatenate([h, c])


def lstm_jacobian(w: dict[str, np.ndarray], t: int, k: int) -> np.ndarray:
    """d(h_t, c_t)/d(h_k, c_k) by complex step, state order (h, c)."""
    s0 = np.concatenate([w["h0"], w["c0"]]).astype(float)
    sk = lstm_run(w, s0, 0, k).real
    cols = []
    for j in range(sk.shape[0]):
        s = sk.astype(complex)
        s[j] += 1j * H
        cols.append(lstm_run(w, s, k, t).imag / H)
    return np.array(cols).T


def lstm_forget_gates(w: dict[str, np.ndarray]) -> np.ndarray:
    """f_1..f_T of a run, (T, n)."""
    n = w["h0"].shape[0]
    s = np.concatenate([w["h0"], w["c0"]]).astype(float)
    out = []
    for t in range(len(w["x"])):
        h, c = s[:n], s[n:]
        out.append(_sig(w["W_fh"] @ h + w["W_fx"] @ w["x"][t] + w["b_f"] + w.get("p_f", np.zeros(n)) * c))
        s = lstm_run(w, s, t, t + 1)
    return np.array(out)


def lstm_cell_carry(w: dict[str, np.ndarray]) -> np.ndarray:
    """dc_t/dc_{t-1}[i, i] with h_{t-1} held fixed, t = 1..T, by complex step: (T, n)."""
    n = w["h0"].shape[0]
    s = np.concatenate([w["h0"], w["c0"]]).astype(float)
    out = []
    for t in range(len(w["x"])):
        row = []
        for j in range(n):
            z = s.astype(complex)
            z[n + j] += 1j * H
            row.append(lstm_run(w, z, t, t + 1)[n + j].imag / H)
        out.append(row)
        s = lstm_run(w, s, t, t + 1).real
    return np.array(out)


def log10_norm(m: np.ndarray, norm: str = "spectral") -> float:
    """log10 of a matrix norm; -inf for an exact zero."""
    value = np.linalg.norm(m, 2 if norm == "spectral" else "fro")
    return float(np.log10(value)) if value > 0 else -np.inf


def log10_abs(v: np.ndarray) -> np.ndarray:
    """log10 |v| elementwise, -inf for exact zeros."""
    a = np.abs(np.asarray(v, dtype=float))
    with np.errstate(divide="ignore"):
        return np.log10(a)
