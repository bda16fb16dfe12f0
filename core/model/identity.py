"""A content id of a model: the same numbers give the same id, whatever file format carried them.

canonical_id(model) is the sha256 (hex) of this byte string, built in order:
    b"bptt-model/1\\n"
    b"layers <L>\\n"
    per layer i:  b"layer <i> <kind> <activation> <reset> <directions>\\n"
        kind: rnn | lstm | gru;  activation: the RNN's nonlinearity, "-" for LSTM and GRU;
        reset: "after" | "before" for a GRU, "-" otherwise;  directions: 1 or 2
    per cell (forward, then reverse), per array, in the order Wh, Wx, b, b_hn, peep:
        b"<name> <d0>x<d1>x...\\n" followed by the array as float64 little-endian, C order,
        with -0.0 written as 0.0; b_hn only for a reset-after GRU, peep only when the cell has peepholes
        (a cell without them writes b"peep none\\n").
Only what changes the numbers enters: b is the effective bias the cells read (bx + bh; for a reset-after GRU
the candidate's b[2] = bx[2] and b_hn = bh[2] apart), so a file with separate input and recurrent biases
and one with their sum get the same id. The model's own input sequence, embedding, vocabulary, source and
notes do not enter: the id names the weights.
"""

from __future__ import annotations

import hashlib

import numpy as np

from core.model.spec import Model
from core.model.stack import effective_biases

VERSION = b"bptt-model/1\n"


def _array(name: str, a: np.ndarray) -> bytes:
    shape = "x".join(str(d) for d in a.shape)
    data = (np.asarray(a, dtype="<f8") + 0.0).tobytes(order="C")  # + 0.0 turns -0.0 into 0.0
    return f"{name} {shape}\n".encode() + data


def serialize(model: Model) -> bytes:
    """The byte string canonical_id hashes (module docstring)."""
    parts = [VERSION, f"layers {len(model.layers)}\n".encode()]
    for i, layer in enumerate(model.layers):
        activation = layer.activation if layer.kind == "rnn" else "-"
        reset = ("after" if layer.reset_after else "before") if layer.kind == "gru" else "-"
        parts.append(f"layer {i} {layer.kind} {activation} {reset} {len(layer.cells)}\n".encode())
        for cell in layer.cells:
            b, b_hn = effective_biases(layer, cell)
            parts += [_array("Wh", cell.Wh), _array("Wx", cell.Wx), _array("b", b)]
            if b_hn is not None:
                parts.append(_array("b_hn", b_hn))
            parts.append(b"peep none\n" if cell.peep is None else _array("peep", cell.peep))
    return b"".join(parts)


def canonical_id(model: Model) -> str:
    """sha256 hex of serialize(model)."""
    return hashlib.sha256(serialize(model)).hexdigest()
