"""A network of the training lab (core/training) as a trained model the explorer opens like an uploaded one.

The lab's cells already follow the explorer's conventions: gate order (LSTM f, i, g, o; GRU z, r, g), the GRU's
reset before the recurrent matrix and h_t = (1 - z) h_{t-1} + z g, tanh for the vanilla RNN, one bias per gate,
h_0 = c_0 = 0. Its arrays stack the gates along the rows (Wh (G n, n), Wx (G n, m), b (G n,)); the readout (V, c)
is not part of the recursion and is left out.
"""

from __future__ import annotations

import numpy as np

from core.model.checks import as_float64
from core.model.spec import GATE_COUNT, Cell, Layer, Model
from core.training.models import ModelName, Params


def from_training(model: ModelName, params: Params, x: np.ndarray | None = None) -> Model:
    """The lab's `model` with weights `params` (initial or trained); x (T, m): an input sequence to carry."""
    G = GATE_COUNT[model]
    Wh, Wx, b = (as_float64(k, np.asarray(params[k])) for k in ("Wh", "Wx", "b"))
    n = Wh.shape[1]
    if Wh.shape != (G * n, n) or Wx.shape[0] != G * n or b.shape != (G * n,):
        expected = f"({G * n}, {n}), ({G * n}, m), ({G * n},)"
        raise ValueError(f"{model}: Wh {Wh.shape}, Wx {Wx.shape}, b {b.shape}; expected {expected}")
    m = Wx.shape[1]
    cell = Cell(
        Wh=np.ascontiguousarray(Wh.reshape(G, n, n)),
        Wx=np.ascontiguousarray(Wx.reshape(G, n, m)),
        bx=np.ascontiguousarray(b.reshape(G, n)),
        bh=np.zeros((G, n)),
    )
    seq = None if x is None else as_float64("x", np.asarray(x), (np.asarray(x).shape[0], m))
    return Model((Layer(model, (cell,), activation="tanh", reset_after=False),), "training", x=seq)
