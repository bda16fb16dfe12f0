"""The three cells written again from their equations, one example and one step at a time, for checks.

Each step may use its own parameters (so a finite difference with respect to the parameters of some steps
alone is the gradient those steps contribute), and `offsets[k]` is added to the state after step k (so a
finite difference with respect to it is dL/ds_k).
"""

from __future__ import annotations

import numpy as np


def _sig(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def cell_step(model: str, p: dict[str, np.ndarray], h: np.ndarray, c: np.ndarray, x: np.ndarray):
    """(h_t, c_t) from (h_{t-1}, c_{t-1}) and x_t in column form; c is unused by rnn and gru."""
    n = h.shape[0]
    Wh, Wx, b = p["Wh"], p["Wx"], p["b"]
    if model == "rnn":
        return np.tanh(Wh @ h + Wx @ x + b), c
    if model == "lstm":
        a = Wh @ h + Wx @ x + b
        f, i, g, o = _sig(a[:n]), _sig(a[n : 2 * n]), np.tanh(a[2 * n : 3 * n]), _sig(a[3 * n :])
        c_new = f * c + i * g
        return o * np.tanh(c_new), c_new
    z = _sig(Wh[:n] @ h + Wx[:n] @ x + b[:n])
    r = _sig(Wh[n : 2 * n] @ h + Wx[n : 2 * n] @ x + b[n : 2 * n])
    g = np.tanh(Wh[2 * n :] @ (r * h) + Wx[2 * n :] @ x + b[2 * n :])
    return (1.0 - z) * h + z * g, c


def loss(
    model: str,
    task: str,
    steps_params: list[dict[str, np.ndarray]],
    readout: dict[str, np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
    offsets: np.ndarray | None = None,
) -> float:
    """Batch-mean loss; steps_params[t - 1] drives step t; offsets (T+1, B, d) are added to each state s_k."""
    T, B = x.shape[:2]
    n = steps_params[0]["Wh"].shape[1]
    outs = []
    for bi in range(B):
        h, c = np.zeros(n), np.zeros(n)
        if offsets is not None:
            h = h + offsets[0, bi, :n]
            if model == "lstm":
                c = c + offsets[0, bi, n:]
        for t in range(1, T + 1):
            h, c = cell_step(model, steps_params[t - 1], h, c, x[t - 1, bi])
            if offsets is not None:
                h = h + offsets[t, bi, :n]
                if model == "lstm":
                    c = c + offsets[t, bi, n:]
        outs.append(readout["V"] @ h + readout["c"])
    out = np.array(outs)
    if task == "adding":
        return float(np.mean((out[:, 0] - target) ** 2))
    logp = out - np.log(np.sum(np.exp(out), axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(B), target]))
