"""Run configurations: every knob of the explorer, its default and its allowed range.

The web layer reads these bounds; they are the slider ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.norms import Norm
from core.weights import Init

ActivationName = Literal["tanh", "sigmoid", "relu", "leaky_relu", "linear"]


@dataclass(frozen=True)
class Bounds:
    """Closed interval [lo, hi] allowed for a numeric knob."""

    lo: float
    hi: float


HIDDEN = Bounds(1, 256)
STEPS = Bounds(1, 1000)
SCALE = Bounds(0.0, 10.0)
INPUT_SCALE = Bounds(0.0, 10.0)
BIAS = Bounds(-10.0, 10.0)
FORGET_BIAS = Bounds(-10.0, 10.0)
UPDATE_BIAS = Bounds(-10.0, 10.0)
SEED = Bounds(0, 2**32 - 1)


@dataclass(frozen=True)
class RNNConfig:
    """A vanilla RNN run h_t = phi(W h_{t-1} + U x_t + b), h_0 = 0, x_t in R^hidden."""

    activation: ActivationName = "tanh"  # phi
    scale: float = 1.0  # gaussian: W_ij ~ N(0, scale^2/n); orthogonal / identity: scale * Q / I
    init: Init = "gaussian"
    hidden: int = 16  # n
    steps: int = 50  # T
    input_scale: float = 1.0  # x_t ~ N(0, input_scale^2 I)
    bias: float = 0.0  # every entry of b
    seed: int = 0
    norm: Norm = "spectral"


@dataclass(frozen=True)
class LSTMConfig:
    """An LSTM run with recurrent weights ~ N(0, scale^2/n), b_f = forget_bias, other biases 0, h_0 = c_0 = 0."""

    hidden: int = 16  # n; the state (h, c) has 2n entries
    steps: int = 50  # T
    scale: float = 1.0
    forget_bias: float = 1.0  # b_f
    input_scale: float = 1.0
    seed: int = 0
    norm: Norm = "spectral"
    peephole: bool = False  # gates f, i, o also read the cell (Gers & Schmidhuber 2000), p ~ N(0, scale^2/n)
    coupled: bool = False  # i = 1 - f (no input gate of its own)


@dataclass(frozen=True)
class GRUConfig:
    """A GRU run with recurrent weights ~ N(0, scale^2/n), b_z = update_bias, other biases 0, h_0 = 0."""

    hidden: int = 16  # n
    steps: int = 50  # T
    scale: float = 1.0
    # b_z: the carry 1 - z_t = sigmoid(-a_z) starts at sigmoid(-b_z); -1 matches the LSTM's default f = sigmoid(1).
    update_bias: float = -1.0
    input_scale: float = 1.0
    seed: int = 0
    norm: Norm = "spectral"
    # g = tanh(U_h x + b_h + r * (W_h h + b_hn)) (PyTorch, Keras's default) with b_hn = 0, instead of Cho's
    # g = tanh(W_h (r * h) + U_h x + b_h)
    reset_after: bool = False


# The exact (t, k) heatmap costs one product and one SVD per pair: work units per
# pair ~ d^3 + 32^3 (a small SVD has a fixed cost of about a 32 x 32 one). Within
# this budget (about 0.1 s here) it is exact; beyond it, a labelled estimate.
PAIR_WORK_BUDGET = 1.2e8


def pair_work(steps: int, dim: int) -> float:
    """Work units of the exact heatmap for T steps and state dimension d."""
    return (steps + 1) * (steps + 2) / 2 * (dim**3 + 32**3)
