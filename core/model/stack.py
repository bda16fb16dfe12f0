"""A loaded model's stack: the forward pass through its layers, and one layer's direction as an explorer cell.

Every view of a trained model is a view of ONE layer's recursion h_t = cell(h_{t-1}, x_t): the Jacobians
dh_t/dh_k are of that layer's own state, with its input sequence x_t held fixed. The input sequence is what
the layers below produce from the model's input, computed here in float64 with the weights as trained.

Directions: the forward cell reads x_1 .. x_T. The reverse cell reads the time-reversed sequence x_T .. x_1,
and everything reported for it (states, decay, heatmap, unit view, cell path) runs in the reverse cell's own
time: its index t (t = 1..T) is original time T + 1 - t, and its h_0 is the state before it reads x_T. So
for the reverse cell, dh_T/dh_k is the gradient of its last state (original time 1) with respect to its
state after reading x_T .. x_{T+1-k}.

The explorer's knobs on a trained layer: `scale` multiplies that layer's trained recurrent matrices Wh (every
gate; not the LSTM's peephole weights, not the recurrent candidate bias b_hn), while the layers below stay as
trained, so the input sequence does not move. `forget_shift` adds to the LSTM's forget-gate bias b_f and
`update_shift` to the GRU's b_z in the explorer's convention h_t = (1 - z) h_{t-1} + z h~ (a higher value
means a smaller carry 1 - z, like the synthetic GRU's update_bias), both of that layer only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import explore, weights
from core.activations import log_sigmoid, sigmoid
from core.cells import gru, lstm, rnn
from core.logmath import LN10
from core.model.spec import DIRECTIONS, Cell, Direction, Layer, Model
from core.norms import Norm

CellParams = rnn.RNNParams | lstm.LSTMParams | gru.GRUParams

DEFAULT_STEPS = 50  # T of the seeded input sequence when neither the file nor the caller gives one


@dataclass(frozen=True)
class LayerRun:
    """One layer's forward pass, in float64."""

    inputs: np.ndarray  # (T, m) the layer's input sequence, original time order
    states: tuple[np.ndarray, ...]  # per direction (T+1, n) h_0..h_T in the cell's own time (see module docstring)
    outputs: np.ndarray  # (T, sum n) concat(h_forward_t, h_reverse at original time t), the next layer's input


def effective_biases(layer: Layer, cell: Cell) -> tuple[np.ndarray, np.ndarray | None]:
    """(b (G, n), b_hn (n,) or None): the biases as the explorer's cells read them. bx + bh for every gate,
    except a reset-after GRU's candidate: bx[2] outside, b_hn = bh[2] inside r * (.)."""
    b = cell.bx + cell.bh
    if layer.kind == "gru" and layer.reset_after:
        b[2] = cell.bx[2]
        return b, cell.bh[2].copy()
    return b, None


def _params(
    layer: Layer, cell: Cell, scale: float = 1.0, forget_shift: float = 0.0, update_shift: float = 0.0
) -> CellParams:
    """The explorer's parameters of one trained cell, with the knobs applied."""
    n = cell.hidden
    b, b_hn = effective_biases(layer, cell)
    Wh = cell.Wh * scale if scale != 1.0 else cell.Wh
    if layer.kind == "rnn":
        return rnn.RNNParams(Wh[0], cell.Wx[0], b[0], np.zeros(n), layer.activation)
    if layer.kind == "lstm":
        b[0] += forget_shift
        return lstm.LSTMParams(Wh, cell.Wx, b, np.zeros(n), np.zeros(n), cell.peep)
    b[0] += update_shift
    return gru.GRUParams(Wh, cell.Wx, b, np.zeros(n), layer.reset_after, b_hn)


def _states(p: CellParams, x: np.ndarray) -> np.ndarray:
    """h_0..h_T (T+1, n) of one cell over x, at their true magnitude."""
    if isinstance(p, rnn.RNNParams):
        trace = rnn.forward(p, x)
        with np.errstate(over="ignore"):
            return np.ldexp(trace.states, trace.states_log2[:, None])
    if isinstance(p, lstm.LSTMParams):
        return lstm.forward(p, x).h
    return gru.forward(p, x).h


def _cell_input(x: np.ndarray, direction: Direction) -> np.ndarray:
    return x[::-1].copy() if direction == "reverse" else x


def _run(layer: Layer, x: np.ndarray) -> LayerRun:
    states = tuple(
        _states(_params(layer, cell), _cell_input(x, d)) for cell, d in zip(layer.cells, DIRECTIONS, strict=False)
    )
    outs = [states[0][1:]]
    if len(states) > 1:
        outs.append(states[1][1:][::-1])  # reverse state at original time t: its index T + 1 - t
    return LayerRun(x, states, np.ascontiguousarray(np.concatenate(outs, axis=1)))


def _check_input(model: Model, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != model.inputs:
        raise ValueError(f"input sequence: shape {x.shape}, expected (T, {model.inputs})")
    return x


def layer_inputs(model: Model, x: np.ndarray, upto: int | None = None) -> tuple[LayerRun, ...]:
    """The forward pass through the stack for the model input x (T, m): one LayerRun per layer (the first
    `upto` layers only, if given)."""
    x = _check_input(model, x)
    runs: list[LayerRun] = []
    for layer in model.layers[: len(model.layers) if upto is None else upto]:
        runs.append(_run(layer, x))
        x = runs[-1].outputs
    return tuple(runs)


def _locate(model: Model, layer: int, direction: Direction) -> tuple[Layer, Cell]:
    if not 0 <= layer < len(model.layers):
        raise ValueError(f"layer: {layer}, expected 0..{len(model.layers) - 1}")
    lay = model.layers[layer]
    if direction not in lay.directions:
        raise ValueError(f"direction: {direction!r}, expected one of {', '.join(lay.directions)}")
    return lay, lay.cells[lay.directions.index(direction)]


def cell_params(
    model: Model,
    layer: int,
    direction: Direction,
    x: np.ndarray,
    scale: float = 1.0,
    forget_shift: float = 0.0,
    update_shift: float = 0.0,
) -> tuple[CellParams, np.ndarray]:
    """(params, x_cell): the explorer's cell for one layer and direction, and its input sequence as the cell
    reads it (the reverse cell's is time-reversed), for the model input x (T, m). The knobs act on this layer
    only (module docstring)."""
    lay, cell = _locate(model, layer, direction)
    x = _check_input(model, x)
    below = layer_inputs(model, x, layer)
    x_layer = below[-1].outputs if below else x
    return _params(lay, cell, scale, forget_shift, update_shift), _cell_input(x_layer, direction)


def model_input(model: Model, steps: int | None = None, seed: int = 0, input_scale: float = 1.0) -> np.ndarray:
    """The input sequence a model is explored with: the file's own x if it carries one (its first `steps`
    steps if given), else x_t ~ N(0, input_scale^2) of the model's input size, seeded (core/weights.inputs),
    `steps` long (DEFAULT_STEPS if None)."""
    if model.x is not None:
        T = model.x.shape[0]
        if steps is not None and not 1 <= steps <= T:
            raise ValueError(f"steps: {steps}, expected 1..{T} (the length of the file's input sequence)")
        return model.x if steps is None else model.x[:steps]
    return weights.inputs(seed, DEFAULT_STEPS if steps is None else steps, model.inputs, input_scale)


def run_layer(
    model: Model,
    layer: int = 0,
    direction: Direction = "forward",
    *,
    x: np.ndarray | None = None,
    steps: int | None = None,
    seed: int = 0,
    input_scale: float = 1.0,
    scale: float = 1.0,
    forget_shift: float = 0.0,
    update_shift: float = 0.0,
    norm: Norm = "spectral",
    with_pairs: bool = True,
) -> explore.Result:
    """Decay, heatmap, unit view (probe u = weights.probe(seed, n)), summary and, for LSTM / GRU, the cell or
    carry path of one trained layer and direction, by the explorer's own machinery. The model input is x if
    given, else model_input(model, steps, seed, input_scale). A reverse cell's results run in its own time.

    The cell path's zero-weight reference is (T - k) max_i log10 sigmoid(b_f,i) (GRU: sigmoid(-b_z,i)), the
    norm of the diagonal product with every weight zero; the summary's sigmoid_forget_bias
    (sigmoid_minus_update_bias) is the mean over units."""
    x_model = model_input(model, steps, seed, input_scale) if x is None else x
    p, x_cell = cell_params(model, layer, direction, x_model, scale, forget_shift, update_shift)
    n = p.h0.shape[0]
    u = weights.probe(seed, n)
    if isinstance(p, rnn.RNNParams):
        spectra, per_step, log10_rho = explore.rnn_spectra(p)
        return explore.rnn_result(p, x_cell, norm, u, with_pairs, spectra, per_step, log10_rho)
    if isinstance(p, lstm.LSTMParams):
        log_keep = log_sigmoid(p.b[0]) / LN10
        head = {"sigmoid_forget_bias": float(np.mean(10.0**log_keep))}
        ref = float(np.max(log_keep))
        return explore.lstm_result(p, x_cell, norm, u, with_pairs, explore.gated_spectra(p.Wh), ref, head)
    log_keep = log_sigmoid(-p.b[0]) / LN10
    head = {"sigmoid_minus_update_bias": float(np.mean(10.0**log_keep))}
    ref = float(np.max(log_keep))
    return explore.gru_result(p, x_cell, norm, u, with_pairs, explore.gated_spectra(p.Wh), ref, head)


@dataclass(frozen=True)
class CellSummary:
    """The trained numbers of one layer and direction. Gate names in the explorer's order and convention
    (GRU: z is the explorer's update gate, 1 - PyTorch's)."""

    layer: int
    direction: Direction
    kind: str
    n: int
    m: int
    gates: tuple[str, ...]
    spectral_radius: dict[str, float]  # rho(Wh[g]) per gate
    sigma_max: dict[str, float]  # ||Wh[g]||_2 per gate
    recurrent_sigma_max: float  # ||[Wh[0]; ...; Wh[G-1]]||_2, the stacked recurrent matrix
    bias_mean: dict[str, float]  # mean of bx[g] + bh[g] per gate
    forget_at_bias: float | None  # LSTM: mean sigmoid(b_f); GRU: mean carry sigmoid(-b_z); RNN: None


GATE_NAMES = {"rnn": ("h",), "lstm": lstm.GATES, "gru": gru.GATES}


def summary(model: Model) -> tuple[CellSummary, ...]:
    """One CellSummary per layer and direction, bottom layer first, forward before reverse."""
    out = []
    for i, lay in enumerate(model.layers):
        for cell, d in zip(lay.cells, lay.directions, strict=True):
            names = GATE_NAMES[lay.kind]
            G, n = cell.Wh.shape[0], cell.hidden
            spectra = [_spectral(cell.Wh[g]) for g in range(G)]
            b = cell.bx + cell.bh
            forget: float | None = None
            if lay.kind == "lstm":
                forget = float(np.mean(sigmoid(b[0]))) if n else float("nan")
            elif lay.kind == "gru":
                forget = float(np.mean(sigmoid(-b[0]))) if n else float("nan")
            stacked = float(np.linalg.norm(cell.Wh.reshape(G * n, n), 2)) if n else 0.0
            out.append(
                CellSummary(
                    layer=i,
                    direction=d,
                    kind=lay.kind,
                    n=n,
                    m=cell.inputs,
                    gates=names,
                    spectral_radius={g: s[0] for g, s in zip(names, spectra, strict=True)},
                    sigma_max={g: s[1] for g, s in zip(names, spectra, strict=True)},
                    recurrent_sigma_max=stacked,
                    bias_mean={g: float(np.mean(b[k])) for k, g in enumerate(names)},
                    forget_at_bias=forget,
                )
            )
    return tuple(out)


def _spectral(m: np.ndarray) -> tuple[float, float]:
    if m.size == 0:
        return 0.0, 0.0
    return float(np.max(np.abs(np.linalg.eigvals(m)))), float(np.linalg.norm(m, 2))
