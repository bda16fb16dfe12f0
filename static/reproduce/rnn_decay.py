"""Recompute the decay curve log10 ||dh_T/dh_k||, k = 0..T, of a vanilla RNN from its weights.

Usage: python rnn_decay.py answer.json
where answer.json is the explorer's answer with the weights, e.g.
    curl -o answer.json 'http://localhost:8000/api/v1/rnn?activation=tanh&steps=100&include=weights'
Prints one line per source step k: "k log10_norm" ("-inf" where the product is exactly zero).
Compare the second column with the answer's decay.log10_norm.

The model: a_t = W h_{t-1} + U x_t + b, h_t = phi(a_t), t = 1..T, and the Jacobian of one step is
J_t = diag(phi'(a_t)) W, so dh_T/dh_k = J_T J_{T-1} ... J_{k+1}. Long products under- or overflow
a float, so the product is kept as a matrix with largest entry 1 and the log10 of its scale.
Needs only NumPy.
"""

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


def decay(answer: dict) -> list[float]:
    """log10 ||dh_T/dh_k|| for k = 0..T from an /api/v1/rnn answer with include=weights."""
    w, cfg = answer["weights"], answer["config"]
    W, U, b, h0, x = (np.asarray(w[k], dtype=float) for k in ("W", "U", "b", "h0", "x"))
    x = x.reshape(len(x), -1)  # (T, n_in)
    act, norm = cfg["activation"], cfg["norm"]
    pre = preactivations(W, U, b, h0, x, act)
    T = x.shape[0]
    out = [0.0] * (T + 1)
    p, log10_scale = np.eye(W.shape[0]), 0.0  # dh_T/dh_T = I
    for k in range(T, -1, -1):
        if k < T:
            p = p @ (dphi(act, pre[k])[:, None] * W)  # times J_{k+1} (pre[k] is a_{k+1})
            peak = float(np.max(np.abs(p)))
            if peak == 0.0:  # exactly zero from here back
                out[: k + 1] = [-np.inf] * (k + 1)
                break
            p /= peak
            log10_scale += float(np.log10(peak))
        out[k] = log10_scale + np.log10(matrix_norm(p, norm))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        answer = json.load(f)
    if answer.get("model") != "rnn" or not answer.get("weights"):
        print("expected an /api/v1/rnn answer with include=weights", file=sys.stderr)
        return 2
    for k, v in enumerate(decay(answer)):
        print(k, repr(float(v)) if np.isfinite(v) else "-inf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
