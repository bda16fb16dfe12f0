"""The canonical form of a trained recurrent model, whatever file it came from.

Every reader (safetensors, ONNX, Keras, the training lab) maps its arrays into this form; everything
downstream (forward pass through the stack, Jacobians, summaries, the content hash) reads only this.

Conventions, the same for every source:
- Gate order is the explorer's cells' order: LSTM f, i, c (candidate), o; GRU z (update), r (reset),
  h (candidate); a vanilla RNN has one gate. Readers reorder (PyTorch LSTM i, f, g, o; GRU r, z, n;
  ONNX LSTM i, o, f, c; GRU z, r, h; Keras LSTM i, f, c, o; GRU z, r, h).
- Row convention of the frameworks: a gate's pre-activation is Wx[g] @ x_t + bx[g] + Wh[g] @ h_{t-1} + bh[g].
  Where a format has a single bias, it is in bx and bh is zero.
- GRU reset_after (PyTorch, Keras's default, ONNX linear_before_reset=1):
      h~ = tanh(Wx[2] x + bx[2] + r * (Wh[2] h + bh[2]))
  reset before (Cho et al. 2014, Keras reset_after=False, ONNX linear_before_reset=0):
      h~ = tanh(Wx[2] x + bx[2] + Wh[2] (r * h) + bh[2])
  The explorer's GRU writes h_t = (1 - z) * h_{t-1} + z * h~; PyTorch, Keras and ONNX write
  h_t = z * h_{t-1} + (1 - z) * h~. Readers negate the update gate's rows (Wx[0], Wh[0], bx[0], bh[0]), so that
  z_explorer = 1 - z_framework exactly (sigmoid(-a) = 1 - sigmoid(a)).
- h_0 = 0 and c_0 = 0. Arrays are float64, C-contiguous, finite.
- A bidirectional layer has two cells, forward then reverse; its output at time t is
  concat(h_forward_t, h_reverse_t), where the reverse cell has read x_T .. x_t. The next layer reads that (T, 2n).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Kind = Literal["rnn", "lstm", "gru"]
KINDS: tuple[Kind, ...] = ("rnn", "lstm", "gru")
GATE_COUNT: dict[str, int] = {"rnn": 1, "lstm": 4, "gru": 3}
Direction = Literal["forward", "reverse"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "reverse")
RNN_ACTIVATIONS = ("tanh", "relu")


@dataclass(frozen=True)
class Cell:
    """The trained weights of one direction of one layer (G gates, n units, m inputs)."""

    Wh: np.ndarray  # (G, n, n) recurrent matrices
    Wx: np.ndarray  # (G, n, m) input matrices
    bx: np.ndarray  # (G, n) input biases (PyTorch b_ih, ONNX Wb, Keras's input bias)
    bh: np.ndarray  # (G, n) recurrent biases (PyTorch b_hh, ONNX Rb, Keras's recurrent bias; else 0)
    peep: np.ndarray | None = None  # LSTM only: (3, n) peephole weights p_f, p_i, p_o (ONNX P); None: none

    @property
    def hidden(self) -> int:
        return int(self.Wh.shape[1])

    @property
    def inputs(self) -> int:
        return int(self.Wx.shape[2])


@dataclass(frozen=True)
class Layer:
    """One recurrent layer: one cell per direction (forward, then reverse if bidirectional)."""

    kind: Kind
    cells: tuple[Cell, ...]
    activation: str = "tanh"  # vanilla RNN's nonlinearity, one of RNN_ACTIVATIONS
    reset_after: bool = True  # GRU only: where the reset gate acts (see the module docstring)

    @property
    def directions(self) -> tuple[Direction, ...]:
        return DIRECTIONS[: len(self.cells)]

    @property
    def outputs(self) -> int:
        """Width of this layer's output sequence, the next layer's m."""
        return sum(c.hidden for c in self.cells)


@dataclass(frozen=True)
class Model:
    """A stack of recurrent layers, and what the file carries besides the weights."""

    layers: tuple[Layer, ...]
    source: str  # "safetensors", "onnx", "keras" or "training"
    x: np.ndarray | None = None  # (T, m) an input sequence carried by the file
    embedding: np.ndarray | None = None  # (V, m) rows looked up by the characters of `vocabulary`
    vocabulary: str | None = None  # character i of this string is embedding row i
    notes: tuple[str, ...] = field(default_factory=tuple)  # what the reader mapped (e.g. "biases summed")

    @property
    def inputs(self) -> int:
        return self.layers[0].cells[0].inputs
