"""The export's grid: which sliders each view offers, their ranges and steps, what a recurrent frame takes in
bytes, estimated from the settings before anything is computed, and the seconds a file may take."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.pairs import MAX_SIDE

# Estimated seconds of one export, at most: the API's cost model (app/contract/cost.py) of every computation its
# frames make, plus what a view estimates itself (its figures' text, a training run). The estimates are from above
# on a quiet machine (a file builds in 0.3 to 0.9 times its estimate there, 2 to 3 times under a load of 7 to 8:
# docs/export.md); 30 s keeps GET /export well inside the proxy's time for it.
MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Axis:
    """A slider of the export: its range and step in the file, and its label on the page."""

    lo: float
    hi: float
    step: float
    label: str
    options: tuple[str, ...] = ()  # a choice (or a flag): the slider runs over these values, as in a URL

    @property
    def full(self) -> int:
        """Values of the whole grid at this step (a choice: its options)."""
        return len(self.options) or round((self.hi - self.lo) / self.step) + 1


def choice(label: str, *options: str) -> Axis:
    """A slider over a choice's options (a flag: false, true), in the order the file shows them."""
    return Axis(0, len(options) - 1, 1, label, options)


AXES = {
    "scale": Axis(0.0, 3.0, 0.1, "Weight scale"),
    "forget_bias": Axis(-5.0, 5.0, 0.25, "Forget-gate bias b_f (LSTM)"),
    "update_bias": Axis(-5.0, 5.0, 0.25, "Update-gate bias b_z (GRU)"),
    "input_scale": Axis(0.0, 5.0, 0.25, "Input scale"),
    "bias": Axis(-3.0, 3.0, 0.25, "Bias b (RNN)"),
    "steps": Axis(10, 200, 10, "Sequence length T"),
    "weight": Axis(0.0, 6.0, 0.1, "Recurrent weight w"),
    "h0": Axis(-2.0, 2.0, 0.1, "Initial state h₀"),
    "eps": Axis(0.0, 0.1, 0.005, "Change per step ε"),
    "layers": Axis(2, 100, 2, "Layers L"),
    "activation": choice("Activation φ", "tanh", "sigmoid", "relu", "leaky_relu", "linear"),
    "init": choice("Weight init", "xavier", "he", "orthogonal", "normal", "small"),  # the feed-forward net's
    "batch_norm": choice("Batch normalisation", "false", "true"),
}
INTEGER = {"steps", "layers"}
# Sliders each model can export, its main one first (the default).
SLIDERS = {
    "rnn": ("scale", "steps", "input_scale", "bias"),
    "lstm": ("forget_bias", "scale", "steps", "input_scale"),
    "gru": ("update_bias", "scale", "steps", "input_scale"),
    "compare": ("scale", "steps", "input_scale", "forget_bias", "update_bias"),
    "scalar": ("weight", "bias", "steps", "input_scale", "h0", "eps"),
    "feedforward": ("layers", "activation", "init", "batch_norm", "input_scale"),
}

# The training lab (app/figures/train_view.py): a slider over seeded runs, each estimated in seconds by the view
# (no cost model covers a run); a file's runs are TRAIN_ITERATIONS updates unless its URL says otherwise.
AXES |= {"lag": Axis(5, 100, 5, "Lag L"), "reg_weight": Axis(0.0, 4.0, 0.5, "Regulariser weight λ")}
INTEGER |= {"lag"}
SLIDERS["train"] = ("forget_bias", "reg_weight", "lag")
TRAIN_ITERATIONS = 200


def values(name: str, n: int, current: float | str) -> list[float | str]:
    """About `n` even values over the slider's export range on multiples of its step (at most its whole grid),
    with the state's own value among them; a choice's options, all of them."""
    a = AXES[name]
    if a.options:
        return list(a.options)
    assert isinstance(current, float)
    vals = np.round(np.linspace(a.lo, a.hi, min(n, a.full)) / a.step) * a.step
    out = {round(float(v), 6) for v in vals}
    out.add(current)
    return sorted(out)


# The cliff view (app/figures/cliff.py): the runs' settings. No slider changes the surfaces: a file holds them once.
AXES |= {
    "threshold": Axis(0.1, 4.0, 0.1, "Clipping threshold v"),
    "lr": Axis(0.1, 3.0, 0.1, "Learning rate"),
    "w0": Axis(-10.0, 10.0, 0.25, "w₀"),
    "b0": Axis(-10.0, 10.0, 0.25, "b₀"),
}
SLIDERS["cliff"] = ("threshold", "lr", "w0", "b0")
# Base64 characters: a typed array this long that repeats in later frames is stored once (app/export/file.py).
SHARED_MIN = 32_768


def frame_bytes(model: str, steps: int, hidden: int) -> int:
    """About one model's share of a frame, compressed, from above: float32 arrays as base64 and layout text;
    the (t, k) heatmap's empty half (k > t) compresses to almost nothing."""
    if model == "scalar":  # lines and bars over T steps, one colour name per bar, phi and phi' on 401 points
        return (7 * (steps + 1) + 3 * 401) * 4 * 4 // 3 + 12 * steps + 4_000
    side, units = min(steps + 1, MAX_SIDE), min(hidden, 128)
    floats = side * (side + 1) // 2 + units * side + 4 * (steps + 1)
    if model != "rnn":
        floats += min(hidden, 48) * (side + 1) * 2 + 3 * (steps + 1)
    return floats * 4 * 4 // 3 + 3_000
