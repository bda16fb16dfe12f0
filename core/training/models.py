"""Trainable recurrent nets on minibatches, with exact backpropagation through time.

Every cell reads x (T, B, n_in) from h_0 = 0 (and c_0 = 0) and a linear readout answers after the last step,
out = h_T V^T + c. Row convention: a batch of states is (B, n) and a pre-activation a = h W^T + x U^T + b.

rnn   h_t = tanh(Wh h_{t-1} + Wx x_t + b)
lstm  f, i, o = sigmoid(.), g = tanh(.) of Wh h_{t-1} + Wx x_t + b (gate order f, i, g, o; b_f = forget_bias)
      c_t = f c_{t-1} + i g,  h_t = o tanh(c_t);  the state is (h_t, c_t)
gru   z = sigmoid(Wh_z h + Wx_z x + b_z), r = sigmoid(Wh_r h + Wx_r x + b_r),
      g = tanh(Wh_g (r h) + Wx_g x + b_g),  h_t = (1 - z) h_{t-1} + z g  (gate order z, r, g; b_z = -forget_bias,
      so the carry 1 - z starts at sigmoid(forget_bias), like the LSTM's forget gate)

Initialisation: Wh ~ N(0, 1/n) and Wx ~ N(0, 1/n_in) per gate, V ~ N(0, 1/n), biases 0 but the forget / carry.
backward() also splits the cell's gradient by where it comes from: steps k <= far_until (the far past) and
the rest, and returns dL/ds_k for every state s_k, k = 0..T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ModelName = Literal["rnn", "lstm", "gru"]
MODELS: tuple[ModelName, ...] = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
Params = dict[str, np.ndarray]
CELL_PARAMS = ("Wh", "Wx", "b")  # the recurrent cell; V and c are the readout


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function without overflow for any a."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def init(
    model: ModelName, inputs: int, hidden: int, outputs: int, forget_bias: float, rng: np.random.Generator
) -> Params:
    """Seeded initial parameters of a cell and its readout."""
    g = GATES[model]
    b = np.zeros(g * hidden)
    if model == "lstm":
        b[:hidden] = forget_bias
    elif model == "gru":
        b[:hidden] = -forget_bias
    return {
        "Wh": rng.standard_normal((g * hidden, hidden)) / np.sqrt(hidden),  # (G n, n)
        "Wx": rng.standard_normal((g * hidden, inputs)) / np.sqrt(inputs),  # (G n, n_in)
        "b": b,  # (G n,)
        "V": rng.standard_normal((outputs, hidden)) / np.sqrt(hidden),  # (out, n)
        "c": np.zeros(outputs),
    }


@dataclass
class Trace:
    """A forward run: states and what the backward pass needs."""

    x: np.ndarray  # (T, B, n_in)
    h: np.ndarray  # (T+1, B, n)
    out: np.ndarray  # (B, outputs)
    saved: dict[str, np.ndarray] = field(default_factory=dict)  # per cell: gates, cell states, ...


@dataclass
class Gradients:
    """dL/dparams, the cell's part split by distance, and dL/ds_k for every state."""

    grads: Params  # every parameter
    far: Params  # the cell's gradient from steps 1..far_until alone
    state: np.ndarray  # (T+1, B, d): dL/ds_k, d = n (rnn, gru) or 2n (lstm: dL/dh_k, then dL/dc_k)


def _readout(p: Params, h: np.ndarray, x: np.ndarray, saved: dict[str, np.ndarray]) -> Trace:
    return Trace(x, h, h[-1] @ p["V"].T + p["c"], saved)


def _rnn_forward(p: Params, x: np.ndarray) -> Trace:
    T, B = x.shape[:2]
    n = p["Wh"].shape[1]
    drive = x @ p["Wx"].T + p["b"]  # (T, B, n)
    h = np.zeros((T + 1, B, n))
    for t in range(T):
        h[t + 1] = np.tanh(h[t] @ p["Wh"].T + drive[t])
    return _readout(p, h, x, {})


def _rnn_backward(p: Params, tr: Trace, gh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(deltas (T, B, n) = dL/da_t, state gradients (T+1, B, n))."""
    T = tr.x.shape[0]
    d = 1.0 - tr.h[1:] ** 2  # (T, B, n) tanh'(a_t)
    deltas = np.empty_like(d)
    state = np.empty_like(tr.h)
    for t in range(T, 0, -1):
        state[t] = gh
        deltas[t - 1] = gh * d[t - 1]
        gh = deltas[t - 1] @ p["Wh"]
    state[0] = gh
    return deltas, state


def _lstm_forward(p: Params, x: np.ndarray) -> Trace:
    T, B = x.shape[:2]
    n = p["Wh"].shape[1]
    drive = x @ p["Wx"].T + p["b"]  # (T, B, 4n)
    gates = np.empty((T, B, 4 * n))  # f, i, g, o
    h = np.zeros((T + 1, B, n))
    c = np.zeros((T + 1, B, n))
    for t in range(T):
        a = h[t] @ p["Wh"].T + drive[t]
        gt = gates[t]
        gt[:] = sigmoid(a)
        gt[:, 2 * n : 3 * n] = np.tanh(a[:, 2 * n : 3 * n])
        c[t + 1] = gt[:, :n] * c[t] + gt[:, n : 2 * n] * gt[:, 2 * n : 3 * n]
        h[t + 1] = gt[:, 3 * n :] * np.tanh(c[t + 1])
    return _readout(p, h, x, {"gates": gates, "c": c})


def _lstm_backward(p: Params, tr: Trace, gh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    T = tr.x.shape[0]
    n = p["Wh"].shape[1]
    gates, c = tr.saved["gates"], tr.saved["c"]
    deltas = np.empty_like(gates)
    state = np.empty((T + 1, gh.shape[0], 2 * n))
    gc = np.zeros_like(gh)  # dL/dc_t through c_{t+1} (h_t held fixed)
    for t in range(T, 0, -1):
        state[t, :, :n], state[t, :, n:] = gh, gc
        gt = gates[t - 1]
        f, i, g, o = gt[:, :n], gt[:, n : 2 * n], gt[:, 2 * n : 3 * n], gt[:, 3 * n :]
        tc = np.tanh(c[t])
        gct = gc + gh * o * (1.0 - tc**2)  # every path into c_t
        da = deltas[t - 1]
        da[:, :n] = gct * c[t - 1] * f * (1.0 - f)
        da[:, n : 2 * n] = gct * g * i * (1.0 - i)
        da[:, 2 * n : 3 * n] = gct * i * (1.0 - g**2)
        da[:, 3 * n :] = gh * tc * o * (1.0 - o)
        gc = gct * f
        gh = da @ p["Wh"]
    state[0, :, :n], state[0, :, n:] = gh, gc
    return deltas, state


def _gru_forward(p: Params, x: np.ndarray) -> Trace:
    T, B = x.shape[:2]
    n = p["Wh"].shape[1]
    drive = x @ p["Wx"].T + p["b"]  # (T, B, 3n)
    W_zr, W_g = p["Wh"][: 2 * n].T, p["Wh"][2 * n :].T
    gates = np.empty((T, B, 3 * n))  # z, r, g
    rh = np.empty((T, B, n))  # r_t * h_{t-1}, what W_g reads
    h = np.zeros((T + 1, B, n))
    for t in range(T):
        gt = gates[t]
        gt[:, : 2 * n] = sigmoid(h[t] @ W_zr + drive[t, :, : 2 * n])
        rh[t] = gt[:, n : 2 * n] * h[t]
        gt[:, 2 * n :] = np.tanh(rh[t] @ W_g + drive[t, :, 2 * n :])
        z = gt[:, :n]
        h[t + 1] = h[t] + z * (gt[:, 2 * n :] - h[t])
    return _readout(p, h, x, {"gates": gates, "rh": rh})


def _gru_backward(p: Params, tr: Trace, gh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    T = tr.x.shape[0]
    n = p["Wh"].shape[1]
    gates, h = tr.saved["gates"], tr.h
    W_zr, W_g = p["Wh"][: 2 * n], p["Wh"][2 * n :]
    deltas = np.empty_like(gates)
    state = np.empty_like(h)
    for t in range(T, 0, -1):
        state[t] = gh
        gt = gates[t - 1]
        z, r, g = gt[:, :n], gt[:, n : 2 * n], gt[:, 2 * n :]
        hp = h[t - 1]
        da = deltas[t - 1]
        da[:, 2 * n :] = gh * z * (1.0 - g**2)
        drh = da[:, 2 * n :] @ W_g  # dL/d(r h_{t-1})
        da[:, :n] = gh * (g - hp) * z * (1.0 - z)
        da[:, n : 2 * n] = drh * hp * r * (1.0 - r)
        gh = gh * (1.0 - z) + drh * r + da[:, : 2 * n] @ W_zr
    state[0] = gh
    return deltas, state


def _cell_grads(model: ModelName, tr: Trace, deltas: np.ndarray, lo: int, hi: int) -> Params:
    """The cell's gradient from steps lo+1..hi (deltas[lo:hi])."""
    d, x, h = deltas[lo:hi], tr.x[lo:hi], tr.h[lo:hi]
    both = ([0, 1], [0, 1])  # sum over steps and the batch
    if model == "gru":
        n = h.shape[2]
        Wh = np.concatenate(
            [np.tensordot(d[..., : 2 * n], h, both), np.tensordot(d[..., 2 * n :], tr.saved["rh"][lo:hi], both)]
        )
    else:
        Wh = np.tensordot(d, h, both)
    return {"Wh": Wh, "Wx": np.tensordot(d, x, both), "b": d.sum(axis=(0, 1))}


Forward = Callable[[Params, np.ndarray], Trace]
Backward = Callable[[Params, Trace, np.ndarray], tuple[np.ndarray, np.ndarray]]
CELLS: dict[ModelName, tuple[Forward, Backward]] = {
    "rnn": (_rnn_forward, _rnn_backward),
    "lstm": (_lstm_forward, _lstm_backward),
    "gru": (_gru_forward, _gru_backward),
}


def forward(model: ModelName, p: Params, x: np.ndarray) -> Trace:
    """Run the cell over x (T, B, n_in) and read out after the last step."""
    return CELLS[model][0](p, x)


def backward(model: ModelName, p: Params, tr: Trace, dout: np.ndarray, far_until: int) -> Gradients:
    """Exact BPTT of a loss whose derivative with respect to the readout is dout (B, outputs).

    far_until: steps 1..far_until are the far past (0: none); their share of the cell's gradient is kept apart.
    """
    gh = dout @ p["V"]  # (B, n) dL/dh_T
    deltas, state = CELLS[model][1](p, tr, gh)
    T = tr.x.shape[0]
    cut = min(max(far_until, 0), T)
    near = _cell_grads(model, tr, deltas, cut, T)
    far = _cell_grads(model, tr, deltas, 0, cut)
    grads = {k: near[k] + far[k] for k in CELL_PARAMS}
    grads["V"] = dout.T @ tr.h[-1]
    grads["c"] = dout.sum(axis=0)
    return Gradients(grads, far, state)


def log10_norms(a: np.ndarray) -> np.ndarray:
    """log10 of the Frobenius norm of each a[k] (first axis), finite however large or small; -inf for zero."""
    flat = np.abs(a.reshape(a.shape[0], -1))
    top = flat.max(axis=1)
    out = np.full(a.shape[0], -np.inf)
    ok = top > 0
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = flat[ok] / top[ok, None]
        out[ok] = np.log10(top[ok]) + 0.5 * np.log10(np.sum(scaled**2, axis=1))
    out[~np.isfinite(top)] = np.nan
    return out


def log10_global_norm(arrays: list[np.ndarray]) -> float:
    """log10 of the 2-norm of all entries of several arrays together (nan when any is not finite)."""
    flat = np.concatenate([a.ravel() for a in arrays])
    return float(log10_norms(flat[None, :])[0])
