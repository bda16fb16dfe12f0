"""From a framework's stacked gate blocks to the explorer's gate order (see spec.py).

Each format stores a layer's gates as G blocks of n rows (or columns), in its own order; these functions cut
the blocks, reorder them, and negate the GRU update gate so that z_explorer = 1 - z_framework."""

from __future__ import annotations

import numpy as np

from core.model.checks import ModelError
from core.model.spec import GATE_COUNT, Cell

# Where each of the explorer's gates sits among the framework's blocks.
ONNX_ORDER = {"rnn": (0,), "lstm": (2, 0, 3, 1), "gru": (0, 1, 2)}  # ONNX LSTM i, o, f, c; GRU z, r, h
KERAS_ORDER = {"rnn": (0,), "lstm": (1, 0, 2, 3), "gru": (0, 1, 2)}  # Keras LSTM i, f, c, o; GRU z, r, h
ONNX_PEEP_ORDER = (2, 0, 1)  # ONNX P holds p_i, p_o, p_f; the explorer's order is p_f, p_i, p_o


def blocks(key: str, rows: np.ndarray, gates: int, order: tuple[int, ...]) -> np.ndarray:
    """(G*n, ...) -> (G, n, ...) with the blocks taken in `order`."""
    if rows.shape[0] % gates:
        raise ModelError("rows are not a whole number of gate blocks", key, rows.shape[0], f"a multiple of {gates}")
    n = rows.shape[0] // gates
    split = rows.reshape((gates, n, *rows.shape[1:]))
    return np.ascontiguousarray(split[list(order)])


def make_cell(
    kind: str,
    order: tuple[int, ...],
    Wx: np.ndarray,
    Wh: np.ndarray,
    bx: np.ndarray,
    bh: np.ndarray,
    peep: np.ndarray | None = None,
) -> Cell:
    """A cell from (G*n, m) input rows, (G*n, n) recurrent rows and two (G*n,) biases in a framework's order
    (`order` as in ONNX_ORDER); the GRU's update gate comes out negated."""
    gates = GATE_COUNT[kind]
    wx, wh = blocks("Wx", Wx, gates, order), blocks("Wh", Wh, gates, order)
    b_x, b_h = blocks("bx", bx, gates, order), blocks("bh", bh, gates, order)
    if kind == "gru":
        for array in (wx, wh, b_x, b_h):
            array[0] = -array[0]
    return Cell(Wh=wh, Wx=wx, bx=b_x, bh=b_h, peep=peep)
