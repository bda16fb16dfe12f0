"""Recompute the decay curve log10 ||ds_T/ds_k||, k = 0..T, of a recurrent net from its weights.

Usage: python rnn_decay.py answer.json
where answer.json is the explorer's answer with the weights, e.g.
    curl -o answer.json 'http://localhost:8000/api/v1/rnn?activation=tanh&steps=100&include=weights'
(/api/v1/lstm and /api/v1/gru answers work too). Prints one line per source step k: "k log10_norm"
("-inf" where the product is exactly zero). Compare the second column with the answer's decay.log10_norm.

The vanilla RNN: a_t = W h_{t-1} + U x_t + b, h_t = phi(a_t), t = 1..T, and the Jacobian of one step
is J_t = diag(phi'(a_t)) W, so dh_T/dh_k = J_T J_{T-1} ... J_{k+1}. The GRU's J_t is dh_t/dh_{t-1} (the reset
gate before or after W_hh, as the answer's config.reset_after says);
the LSTM's state is s = (h, c) and its J_t is d(h_t, c_t)/d(h_{t-1}, c_{t-1}) through every path. Long
products under- or overflow a float, so the product is kept as a matrix with largest entry 1 and the
log10 of its scale. Needs only NumPy."""

from __future__ import annotations

import json
import sys

import numpy as np

LEAKY_SLOPE = 0.01


def phi(name: str, a: np.ndarray) -> np.ndarray:
    """The activation."""
    if name == "tanh":
        return np.tanh(a)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * a))
    if name == "relu":
        return np.maximum(a, 0.0)
    if name == "leaky_relu":
        return np.where(a > 0, a, LEAKY_SLOPE * a)
    if name == "linear":
        return a.copy()
    raise ValueError(f"activation must be tanh, sigmoid, relu, leaky_relu or linear (got {name!r})")


def dphi(name: str, a: np.ndarray) -> np.ndarray:
    """phi'(a), written so that it stays accurate far into the tails."""
    if name in ("tanh", "sigmoid"):
        m = 2.0 * np.abs(a) if name == "tanh" else np.abs(a)
        e = np.exp(-m)
        return (4.0 if name == "tanh" else 1.0) * e / (1.0 + e) ** 2
    negative = {"relu": 0.0, "leaky_relu": LEAKY_SLOPE, "linear": 1.0}[name]
    return np.where(a > 0, 1.0, negative)


def preactivations(W: np.ndarray, U: np.ndarray, b: np.ndarray, h0: np.ndarray, x: np.ndarray, act: str) -> np.ndarray:
    """a_1..a_T, shape (T, n). ReLU-like and linear units only need the sign of a_t, so a state that
    grows past 2^512 is carried divided by a power of two (the inputs divided alike)."""
    T = x.shape[0]
    pre = np.empty((T, W.shape[0]))
    h, shift = h0.astype(float), 0
    homogeneous = act in ("relu", "leaky_relu", "linear")
    for t in range(T):
        with np.errstate(under="ignore"):
            a = W @ h + np.ldexp(U @ x[t] + b, -shift)
        pre[t] = a
        h = phi(act, a)
        peak = float(np.max(np.abs(h)))
        if homogeneous and peak > 2.0**512:
            e = int(np.frexp(peak)[1])
            h, shift = np.ldexp(h, -e), shift + e
    return pre


def matrix_norm(p: np.ndarray, norm: str) -> float:
    """The spectral (largest singular value) or Frobenius norm."""
    if norm == "frobenius" or min(p.shape) == 1:
        return float(np.sqrt(np.sum(p * p)))
    return float(np.linalg.svd(p, compute_uv=False)[0])


def sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a) without overflow, accurate in both tails."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def rnn_jacobians(w: dict, cfg: dict) -> list[np.ndarray]:
    """J_t = diag(phi'(a_t)) W for t = 1..T."""
    W, U, b, h0, x = (np.asarray(w[k], dtype=float) for k in ("W", "U", "b", "h0", "x"))
    pre = preactivations(W, U, b, h0, x.reshape(len(x), -1), cfg["activation"])
    return [dphi(cfg["activation"], a)[:, None] * W for a in pre]


def gru_jacobians(w: dict, cfg: dict) -> list[np.ndarray]:
    """dh_t/dh_{t-1} of h_t = (1 - z) h_{t-1} + z g, with the candidate g = tanh(W_hh (r h_{t-1}) + W_hx x_t + b_h)
    (Cho et al. 2014), or with reset_after g = tanh(W_hx x_t + b_h + r (W_hh h_{t-1} + b_hn)) (PyTorch, Keras)."""
    m = {k: np.asarray(v, dtype=float) for k, v in w.items()}
    after = bool(cfg.get("reset_after"))
    h = m["h0"]
    out = []
    for x in m["x"].reshape(len(m["x"]), -1):
        a_z = m["W_zh"] @ h + m["W_zx"] @ x + m["b_z"]
        a_r = m["W_rh"] @ h + m["W_rx"] @ x + m["b_r"]
        z, r = sigmoid(a_z), sigmoid(a_r)
        dz, dr = dphi("sigmoid", a_z), dphi("sigmoid", a_r)
        if after:
            s = m["W_hh"] @ h + m.get("b_hn", np.zeros_like(h))
            a_g = m["W_hx"] @ x + m["b_h"] + r * s
            dg_in = r[:, None] * m["W_hh"] + (s * dr)[:, None] * m["W_rh"]  # d(r * s)/dh
        else:
            a_g = m["W_hh"] @ (r * h) + m["W_hx"] @ x + m["b_h"]
            dg_in = m["W_hh"] @ (np.diag(r) + (h * dr)[:, None] * m["W_rh"])  # W_hh d(r * h)/dh
        g, dg = np.tanh(a_g), dphi("tanh", a_g)
        J = np.diag(sigmoid(-a_z)) + ((g - h) * dz)[:, None] * m["W_zh"] + (z * dg)[:, None] * dg_in
        out.append(J)
        h = sigmoid(-a_z) * h + z * g
    return out


def lstm_jacobians(w: dict, cfg: dict) -> list[np.ndarray]:
    """d(h_t, c_t)/d(h_{t-1}, c_{t-1}), (2n, 2n), with peepholes p_f, p_i, p_o and coupled gates i = 1 - f."""
    m = {k: np.asarray(v, dtype=float) for k, v in w.items()}
    h, c = m["h0"], m["c0"]
    n = h.shape[0]
    zero = np.zeros(n)
    p_f, p_i, p_o = (m.get(k, zero) for k in ("p_f", "p_i", "p_o"))
    coupled = bool(cfg.get("coupled"))
    out = []
    for x in m["x"].reshape(len(m["x"]), -1):
        a_f = m["W_fh"] @ h + m["W_fx"] @ x + m["b_f"] + p_f * c
        if coupled:  # i = sigmoid(-a_f): d i / d a_f = -sigmoid'(a_f)
            a_i, di_dh, di_dc = -a_f, -dphi("sigmoid", a_f)[:, None] * m["W_fh"], -dphi("sigmoid", a_f) * p_f
        else:
            a_i = m["W_ih"] @ h + m["W_ix"] @ x + m["b_i"] + p_i * c
            di_dh, di_dc = dphi("sigmoid", a_i)[:, None] * m["W_ih"], dphi("sigmoid", a_i) * p_i
        a_g = m["W_ch"] @ h + m["W_cx"] @ x + m["b_c"]
        f, i, g = sigmoid(a_f), sigmoid(a_i), np.tanh(a_g)
        c_new = f * c + i * g
        a_o = m["W_oh"] @ h + m["W_ox"] @ x + m["b_o"] + p_o * c_new
        o = sigmoid(a_o)
        # the cell: dc/dh (n, n) and dc/dc_prev (diagonal, as a vector)
        dc_dh = (
            (c * dphi("sigmoid", a_f))[:, None] * m["W_fh"]
            + g[:, None] * di_dh
            + (i * dphi("tanh", a_g))[:, None] * m["W_ch"]
        )
        dc_dc = f + c * dphi("sigmoid", a_f) * p_f + g * di_dc
        # the output h = o tanh(c_new); o reads h_{t-1} and, through its peephole, c_new
        do = dphi("sigmoid", a_o)
        tc, dtc = np.tanh(c_new), dphi("tanh", c_new)
        dh_dh = (tc * do)[:, None] * (m["W_oh"] + p_o[:, None] * dc_dh) + (o * dtc)[:, None] * dc_dh
        dh_dc = tc * do * p_o * dc_dc + o * dtc * dc_dc
        J = np.zeros((2 * n, 2 * n))
        J[:n, :n], J[n:, :n] = dh_dh, dc_dh
        J[:n, n:], J[n:, n:] = np.diag(dh_dc), np.diag(dc_dc)
        out.append(J)
        h, c = o * tc, c_new
    return out


JACOBIANS = {"rnn": rnn_jacobians, "gru": gru_jacobians, "lstm": lstm_jacobians}


def decay(answer: dict) -> list[float]:
    """log10 ||ds_T/ds_k|| for k = 0..T (s = h, or (h, c) for the LSTM) from an answer with include=weights."""
    jacobians = JACOBIANS[answer["model"]](answer["weights"], answer["config"])
    norm = answer["config"]["norm"]
    T = len(jacobians)
    out = [0.0] * (T + 1)
    p, log10_scale = np.eye(jacobians[0].shape[0]), 0.0  # ds_T/ds_T = I
    for k in range(T, -1, -1):
        if k < T:
            p = p @ jacobians[k]  # times J_{k+1}
            peak = float(np.max(np.abs(p)))
            if peak == 0.0:  # exactly zero from here back
                out[: k + 1] = [-np.inf] * (k + 1)
                break
            p /= peak
            log10_scale += float(np.log10(peak))
        out[k] = log10_scale + float(np.log10(matrix_norm(p, norm)))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        answer = json.load(f)
    if answer.get("model") not in JACOBIANS or not answer.get("weights"):
        print("expected an /api/v1/rnn, lstm or gru answer with include=weights", file=sys.stderr)
        return 2
    for k, v in enumerate(decay(answer)):
        print(k, repr(float(v)) if np.isfinite(v) else "-inf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
