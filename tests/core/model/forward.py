"""A plain float64 forward pass of a canonical Model, written from the formulas of core/model/spec.py alone
(independent of core/cells), to check each reader's mapping against the frameworks' own outputs."""

from __future__ import annotations

import numpy as np

from core.model.spec import Cell, Layer, Model


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def run_cell(kind: str, cell: Cell, layer: Layer, xs: np.ndarray) -> np.ndarray:
    """The states h_1..h_T of one cell over the rows of xs, from h_0 = c_0 = 0."""
    n = cell.hidden
    h, c = np.zeros(n), np.zeros(n)
    out = []
    for x in xs:
        a = [cell.Wx[g] @ x + cell.bx[g] for g in range(cell.Wx.shape[0])]
        r = [cell.Wh[g] @ h + cell.bh[g] for g in range(cell.Wh.shape[0])]
        if kind == "rnn":
            pre = a[0] + r[0]
            h = np.tanh(pre) if layer.activation == "tanh" else np.maximum(pre, 0.0)
        elif kind == "lstm":
            p = cell.peep if cell.peep is not None else np.zeros((3, n))
            f = sigmoid(a[0] + r[0] + p[0] * c)
            i = sigmoid(a[1] + r[1] + p[1] * c)
            c = f * c + i * np.tanh(a[2] + r[2])
            o = sigmoid(a[3] + r[3] + p[2] * c)
            h = o * np.tanh(c)
        else:
            z = sigmoid(a[0] + r[0])
            reset = sigmoid(a[1] + r[1])
            if layer.reset_after:
                candidate = np.tanh(a[2] + reset * r[2])
            else:
                candidate = np.tanh(a[2] + cell.Wh[2] @ (reset * h) + cell.bh[2])
            h = (1.0 - z) * h + z * candidate
        out.append(h)
    return np.array(out)


def run_model(model: Model, xs: np.ndarray) -> np.ndarray:
    """The output sequence (T, width) of the model's last layer; a reverse cell reads x_T..x_1."""
    seq = np.asarray(xs, dtype=np.float64)
    for layer in model.layers:
        parts = [run_cell(layer.kind, layer.cells[0], layer, seq)]
        if len(layer.cells) == 2:
            parts.append(run_cell(layer.kind, layer.cells[1], layer, seq[::-1])[::-1])
        seq = np.concatenate(parts, axis=1)
    return seq
