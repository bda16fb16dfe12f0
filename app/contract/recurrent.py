"""The recurrent views' contract: the queries and answers of GET /api/v1/rnn, /lstm and /gru, and what the RNN's
side computations (near/far, spectrum) share. Bounds are the slider ranges."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.contract.fields import Curve, Floats1, Floats2, FormatName, Include, float_field, int_field
from app.contract.loaded import Loadable, forget_shift_field, update_shift_field
from core import config as c
from core import weights
from core.config import ActivationName as Activation
from core.config import GRUConfig, LSTMConfig, RNNConfig
from core.explore import rnn_params
from core.norms import Norm as NormName
from core.pairs import MAX_SIDE
from core.weights import Init as InitName

UNIT_ROWS = 128  # compact format: unit heatmaps show at most this many units
CELL_LINES = 48  # compact format: single-unit cell-path lines shown

_RNN, _LSTM, _GRU = RNNConfig(), LSTMConfig(), GRUConfig()

_NULL = "null where the magnitude is exactly zero (e.g. every ReLU unit dead)."


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    norm: NormName = Field("spectral", description="Matrix norm of the Jacobian products.")
    include: Include | None = Field(
        None, description="`weights` adds the exact arrays used, to recompute every number elsewhere."
    )
    format: FormatName = Field(
        "json",
        description="`json`: log10 arrays as nested lists of float64 (null: exactly zero or not defined), full resolution. "
        "`compact`: Plotly base64 float32 typed arrays (-Infinity: exactly zero, NaN: not defined), "
        f"unit and cell-path views sampled to at most {UNIT_ROWS} units x {MAX_SIDE} steps; what the page uses.",
    )


class RNNQuery(_Query):
    """Query of GET /api/v1/rnn."""

    activation: Activation = Field(_RNN.activation, description="phi in h_t = phi(W h_{t-1} + U x_t + b).")
    scale: float = float_field(
        _RNN.scale, c.SCALE, "Recurrent weight scale: W_ij ~ N(0, scale^2/n), or scale * orthogonal / identity."
    )
    init: InitName = Field(_RNN.init, description="Recurrent initialisation.")
    hidden: int = int_field(_RNN.hidden, c.HIDDEN, "Hidden size n (inputs have n entries too).")
    steps: int = int_field(_RNN.steps, c.STEPS, "Sequence length T.")
    input_scale: float = float_field(
        _RNN.input_scale, c.INPUT_SCALE, "x_t ~ N(0, input_scale^2); 0 is the input-free case."
    )
    bias: float = float_field(_RNN.bias, c.BIAS, "Every entry of the bias b.")
    seed: int = int_field(_RNN.seed, c.SEED, "Seed of weights, inputs and the probe vector u.")


class LSTMQuery(_Query):
    """Query of GET /api/v1/lstm."""

    hidden: int = int_field(_LSTM.hidden, c.HIDDEN, "Hidden size n; the state (h, c) has 2n entries.")
    steps: int = int_field(_LSTM.steps, c.STEPS, "Sequence length T.")
    scale: float = float_field(_LSTM.scale, c.SCALE, "Recurrent weight scale: each gate's W_h ~ N(0, scale^2/n).")
    forget_bias: float = float_field(_LSTM.forget_bias, c.FORGET_BIAS, "Forget-gate bias b_f (other biases are 0).")
    input_scale: float = float_field(
        _LSTM.input_scale, c.INPUT_SCALE, "x_t ~ N(0, input_scale^2); 0 is the input-free case."
    )
    seed: int = int_field(_LSTM.seed, c.SEED, "Seed of weights, inputs and the probe vector u.")
    peephole: bool = Field(
        _LSTM.peephole,
        description="Peephole connections (Gers & Schmidhuber 2000): f and i also read c_{t-1}, o reads c_t, "
        "through diagonal weights p ~ N(0, scale^2/n).",
    )
    coupled: bool = Field(_LSTM.coupled, description="Coupled input and forget gates: i = 1 - f.")


class _GRUSizes(_Query):
    """The GRU's fields but its convention (GRUQuery adds it last, GRUEcho after input_size)."""

    hidden: int = int_field(_GRU.hidden, c.HIDDEN, "Hidden size n.")
    steps: int = int_field(_GRU.steps, c.STEPS, "Sequence length T.")
    scale: float = float_field(_GRU.scale, c.SCALE, "Recurrent weight scale: each gate's W_h ~ N(0, scale^2/n).")
    update_bias: float = float_field(
        _GRU.update_bias,
        c.UPDATE_BIAS,
        "Update-gate bias b_z (other biases are 0); the carry 1 - z starts at sigmoid(-b_z).",
    )
    input_scale: float = float_field(
        _GRU.input_scale, c.INPUT_SCALE, "x_t ~ N(0, input_scale^2); 0 is the input-free case."
    )
    seed: int = int_field(_GRU.seed, c.SEED, "Seed of weights, inputs and the probe vector u.")


def _reset_after() -> bool:
    """The GRU's convention: the same field in the query and in its echo."""
    return Field(
        _GRU.reset_after,
        description="Where the reset gate r acts. false (Cho et al. 2014): g = tanh(W_h (r * h_{t-1}) + U_h x_t + b_h). "
        "true (PyTorch, Keras's default, ONNX linear_before_reset=1): g = tanh(U_h x_t + b_h + r * (W_h h_{t-1} + b_hn)), "
        "b_hn = 0 (sent with include=weights).",
    )


class GRUQuery(_GRUSizes):
    """Query of GET /api/v1/gru."""

    reset_after: bool = _reset_after()


class RNNViewQuery(RNNQuery, Loadable):
    """Query of GET /api/v1/rnn: the seeded RNN's fields, or a loaded model's layer."""


class LSTMViewQuery(LSTMQuery, Loadable):
    """Query of GET /api/v1/lstm: the seeded LSTM's fields, or a loaded model's layer."""

    forget_shift: float = forget_shift_field()


class GRUViewQuery(GRUQuery, Loadable):
    """Query of GET /api/v1/gru: the seeded GRU's fields, or a loaded model's layer."""

    update_shift: float = update_shift_field()


_FIXED = "; null for a loaded model (fixed by its weights)."


class _Identity(BaseModel):
    """What the run was of: the seeded cell, or a loaded model's layer and direction."""

    model: str | None = Field(None, description="Content id of the loaded model; null for seeded weights.")
    layer: int | None = Field(None, description="The loaded model's layer; null for seeded weights.")
    direction: Literal["forward", "reverse"] | None = Field(
        None, description="The loaded layer's direction; null for seeded weights."
    )
    kind: Literal["rnn", "lstm", "gru"] = Field(description="The cell: rnn, lstm or gru.")
    n: int = Field(description="Hidden units of the cell (equal to hidden).")
    m: int = Field(description="Entries of each x_t the cell reads (equal to input_size).")
    inputs: Literal["seeded", "file"] = Field(
        "seeded", description="`file`: the loaded model's own input sequence; `seeded`: x_t ~ N(0, input_scale^2)."
    )


class RNNEcho(_Identity, RNNQuery):
    """The full configuration used, defaults filled in."""

    model_config = ConfigDict(extra="allow")
    init: InitName | None = Field(description=f"Recurrent initialisation{_FIXED}")  # type: ignore[assignment]
    bias: float | None = Field(description=f"Every entry of the bias b{_FIXED}")  # type: ignore[assignment]
    input_size: int = Field(description="Entries of each x_t (equal to hidden for seeded weights).")


class LSTMEcho(_Identity, LSTMQuery):
    """The full configuration used, defaults filled in."""

    model_config = ConfigDict(extra="allow")
    forget_bias: float | None = Field(description=f"Forget-gate bias b_f{_FIXED}")  # type: ignore[assignment]
    forget_shift: float | None = Field(None, description="Added to the trained b_f; null for seeded weights.")
    input_size: int = Field(description="Entries of each x_t (equal to hidden for seeded weights).")


class GRUEcho(_Identity, _GRUSizes):
    """The full configuration used, defaults filled in (GRUQuery's fields, reset_after last)."""

    model_config = ConfigDict(extra="allow")
    update_bias: float | None = Field(description=f"Update-gate bias b_z{_FIXED}")  # type: ignore[assignment]
    update_shift: float | None = Field(None, description="Added to the trained b_z; null for seeded weights.")
    input_size: int = Field(description="Entries of each x_t (equal to hidden for seeded weights).")
    reset_after: bool = _reset_after()


class Decay(BaseModel):
    """How the gradient reaching step k shrinks or grows, k = 0..T."""

    log10_norm: Floats1 = Field(description=f"log10 ||dh_T/dh_k|| for k = 0..T (index k); {_NULL}")
    of: str = Field(description="Which Jacobian: dh_T/dh_k (RNN) or d(h_T, c_T)/d(h_k, c_k) through all paths (LSTM).")


class Bound(BaseModel):
    """Pascanu, Mikolov & Bengio (2013): ||dh_T/dh_k||_2 <= (gamma ||W||_2)^(T-k)."""

    log10: Floats1 = Field(description=f"log10 (gamma ||W||_2)^(T-k) for k = 0..T; {_NULL}")


class Preactivations(BaseModel):
    """Where the units sit on phi' (saturation): a histogram of every a_t[i] of the run."""

    edges: list[float] = Field(description="Bin edges (65, from -8 to 8).")
    counts: list[int] = Field(description="Pre-activations in each bin.")
    below: int = Field(description="Pre-activations under the first edge.")
    above: int = Field(description="Pre-activations over the last edge.")
    saturated_fraction: float = Field(description="Share with phi'(a) < 1e-3 sup phi' (saturated or dead).")
    zero_fraction: float = Field(description="Share with phi'(a) = 0 exactly (ReLU at a <= 0).")
    curve: Curve


class MeanFieldLine(BaseModel):
    """Large-n prediction for random W (Poole et al. 2016): pre-activations ~ N(bias, q*), and each step
    multiplies a back-propagated vector's squared length by chi = scale^2 E[phi'(a)^2] on average."""

    applies: bool = Field(
        description="False for init=identity: the prediction is for random (gaussian or orthogonal) W."
    )
    q_star: float | None = Field(description="Fixed-point pre-activation variance; null when q_t grows without bound.")
    chi: float = Field(description="scale^2 E[phi'(a)^2] at q*; chi = 1 is the edge of chaos.")
    log10_growth_per_step: float | None = Field(description="0.5 log10 chi; null when chi = 0.")
    converged: bool = Field(description="q_t has a finite limit.")
    log10: Floats1 = Field(description="(T - k) * 0.5 log10 chi, k = 0..T: the predicted log10 ||dh_T/dh_k||.")


class Theory(BaseModel):
    """Predictions drawn beside the measured decay."""

    rho_log10: Floats1 = Field(
        description="log10 rho(W)^(T-k), k = 0..T: the rate a linear RNN approaches, whatever ||W||_2 is."
    )
    mean_field: MeanFieldLine | None = Field(
        description="The mean-field prediction of random weights; null for a loaded model's trained weights."
    )


class Pairs(BaseModel):
    """The (t, k) heatmap: log10 ||dh_t/dh_k|| for 0 <= k <= t <= T, at most MAX_SIDE steps a side."""

    exact: bool = Field(
        description="True: exact norms. False: over the cost budget, the estimate described in `method`."
    )
    method: str = Field(description="How the values were computed.")
    t: list[int] = Field(
        description="Target step of each row (every step when T < 128, else evenly sampled, ends included)."
    )
    k: list[int] = Field(description="Source step of each column (the same steps as t).")
    log10_norm: Floats2 = Field(description=f"[row i][column j] for t[i], k[j]; null / NaN where k > t; {_NULL}")
    work: float = Field(description="Cost of the exact heatmap: pairs x (d^3 + 32^3) work units.")
    budget: float = Field(description="Largest work computed exactly.")
    max_steps: int = Field(description="Largest steps with an exact heatmap at this hidden size.")
    max_hidden: int = Field(description="Largest hidden with an exact heatmap at these steps (0: none).")
    message: str | None = Field(description="For an estimate: what to lower for exact values.")


class Units(BaseModel):
    """Per-unit gradient of the scalar L = <u, h_T> (u a seeded unit vector)."""

    log10_abs: Floats2 = Field(description=f"log10 |dL/dh_k[i]| as [row: unit i[r]][column: step k[c]]; {_NULL}")
    i: list[int] = Field(description="Unit of each row (all units for format=json).")
    k: list[int] = Field(description="Step of each column (all steps for format=json).")


class _GatePath(BaseModel):
    i: list[int] = Field(description="Unit of each row of log10_per_unit.")
    k: list[int] = Field(description="Step of each column of log10_per_unit.")


class CellPath(_GatePath):
    """The LSTM cell-state path alone: dc_T/dc_k along it is prod_{j=k+1..T} diag(f_j) (with peepholes,
    diag(dc_j/dc_{j-1}) with h held fixed, which adds the gates' view of the cell)."""

    log10_norm: Floats1 = Field(description=f"log10 ||prod diag(f_j)||_2 = max over units, k = 0..T; {_NULL}")
    log10_per_unit: Floats2 = Field(description="log10 |prod_j f_j[i]| as [row: unit i[r]][column: step k[c]].")
    reference_log10: Floats1 = Field(description="log10 sigmoid(b_f)^(T-k): the path with zero weights and inputs.")


class CarryPath(_GatePath):
    """The GRU's identity path alone: h_t = (1 - z_t) h_{t-1} + z_t g_t carries h along prod_{j=k+1..T} diag(1 - z_j)."""

    log10_norm: Floats1 = Field(description=f"log10 ||prod diag(1 - z_j)||_2 = max over units, k = 0..T; {_NULL}")
    log10_per_unit: Floats2 = Field(description="log10 prod_j (1 - z_j[i]) as [row: unit i[r]][column: step k[c]].")
    reference_log10: Floats1 = Field(description="log10 sigmoid(-b_z)^(T-k): the path with zero weights and inputs.")


class _Response(BaseModel):
    summary: dict[str, float | None] = Field(description="Scalar facts of the run (see /docs of each endpoint).")
    decay: Decay
    pairs: Pairs
    units: Units
    weights: dict[str, list[float] | list[list[float]]] | None = Field(
        None, description="With include=weights: every array used, as nested lists."
    )


class RNNResponse(_Response):
    """GET /api/v1/rnn. summary: spectral_radius rho(W), sigma_max ||W||_2, gamma = sup phi', gamma_sigma_max, log10_bound_per_step."""

    model: Literal["rnn"] = "rnn"
    config: RNNEcho
    bound: Bound
    preactivations: Preactivations
    theory: Theory


class LSTMResponse(_Response):
    """GET /api/v1/lstm. summary: sigmoid_forget_bias, mean/min/max_forget_gate, forget_spectral_radius, forget_sigma_max, recurrent_sigma_max."""

    model: Literal["lstm"] = "lstm"
    config: LSTMEcho
    cell_path: CellPath


class GRUResponse(_Response):
    """GET /api/v1/gru. summary: sigmoid_minus_update_bias, mean/min/max_update_gate, update_spectral_radius, update_sigma_max, recurrent_sigma_max."""

    model: Literal["gru"] = "gru"
    config: GRUEcho
    carry_path: CarryPath


class BudgetedRNN(BaseModel):
    """An RNN side computation offered within a work budget: over it, `computed` is false and `message`
    says which parameter to lower and to what."""

    config: RNNQuery
    computed: bool = Field(description="False when over the work budget (see message).")
    message: str | None = Field(description="What to lower when not computed.")
    budget: float
    weights: dict[str, Any] | None = Field(
        None,
        description="With include=weights: the arrays used (W, U, b, h0, x and the probe u), per init where several.",
    )


def rnn_arrays(cfg: RNNConfig) -> dict[str, Any]:
    """The seeded arrays of an RNN configuration as lists (what include=weights sends)."""
    p, x = rnn_params(cfg)
    arrays = {"W": p.W, "U": p.U, "b": p.b, "h0": p.h0, "x": x, "u": weights.probe(cfg.seed, cfg.hidden)}
    return {k: v.tolist() for k, v in arrays.items()}
