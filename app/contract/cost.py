"""What a request will cost, in seconds on this machine, from its validated query alone (no NumPy work).

Each endpoint's time is modelled as a sum of terms, t = sum_i c_i f_i(query), with features f_i that follow
the work of its loops (T d^2 and T d^3 for the recurrent sweeps, L n^2 B for a feed-forward pass, R^2 T for
the cliff surface, ...). The coefficients c_i come from scripts/cost_calibration.py, which times real requests
over a spread of sizes on one core and fits them (non-negative least squares on relative error).

`refusal()` turns an estimate over the budget into the largest value of each main parameter that fits, so a
422 can say "lower steps to 540 or hidden to 200". Everything here is arithmetic on a few numbers: a refusal,
with its suggestions, takes a few tens of microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core import nearfar, spectrum
from core.config import PAIR_WORK_BUDGET, pair_work

Query = Mapping[str, Any]
Features = Callable[[Query], tuple[float, ...]]


def _recurrent(dim_per_unit: int) -> Features:
    """Forward pass, backward sweep (a d x d block and a few rows per step) and the (t, k) heatmap."""

    def features(q: Query) -> tuple[float, ...]:
        T, d = q["steps"], dim_per_unit * q["hidden"]
        # The exact heatmap's work grows up to its budget; past it the estimate (computed in the sweep) replaces it.
        return (1.0, T, T * d * d, T * d**3, min(pair_work(T, d), PAIR_WORK_BUDGET))

    return features


def _nearfar(q: Query) -> tuple[float, ...]:
    """Forward pass and adjoint (per step), then one pass per distance over the T - delta remaining steps."""
    T, n = q["steps"], q["hidden"]
    if nearfar.work(T, n) > nearfar.WORK_BUDGET:  # answered with a message, not computed
        return (1.0, 0.0, 0.0, 0.0, 0.0)
    return (1.0, T, T * n * n, T * T * n, T * T * n * n)


def _spectrum(q: Query) -> tuple[float, ...]:
    """Per init: a QR of n x n per step, then Jacobi sweeps of n - 1 rounds each."""
    T, n = q["steps"], q["hidden"]
    if spectrum.work(T, n) > spectrum.WORK_BUDGET:
        return (1.0, 0.0, 0.0, 0.0, 0.0)
    inits = len(spectrum.INITS) + (q.get("init") == "identity")
    return (1.0, inits * T, inits * n, inits * T * n * n, inits * spectrum.work(T, n))


def _feedforward(q: Query) -> tuple[float, ...]:
    """Per layer: a fixed cost, element-wise work on B x n, the weights (n x n) and their product with the
    batch; an orthogonal init adds a QR of n x n."""
    L, n, B = q["layers"], q["width"], q["batch"]
    return (1.0, L, L * n * B, L * n * n, L * n * n * B, L * n**3 if q.get("init") == "orthogonal" else 0.0)


def _cliff(q: Query) -> tuple[float, ...]:
    """The grid (R^2 points, each in the answer) and T steps over it."""
    R, T = q["resolution"], q["steps"]
    return (1.0, R * R, R * R * T)


@dataclass(frozen=True)
class Model:
    """One endpoint's cost model: its features, fitted coefficients and the parameters a refusal may lower."""

    features: Features
    coef: tuple[float, ...]
    lower: tuple[str, ...]  # main parameters, in the order a refusal suggests them; each at least 1 (or its minimum)

    def seconds(self, q: Query) -> float:
        """Estimated seconds of one computation of query q."""
        return sum(c * f for c, f in zip(self.coef, self.features(q), strict=True))


# Fitted by `python -m scripts.cost_calibration` on this 2-core machine (CPU seconds of one request at a time, one
# BLAS thread, spectral norm; load average 2-4 from other work while it ran). Largest estimate/measured ratio error
# over each spread of sizes, as the script printed it: rnn 1.54x, lstm 1.78x, gru 1.66x, nearfar 1.20x,
# spectrum 1.41x, feedforward 1.59x, cliff 2.21x, descent 1.18x, scalar 1.01x, meanfield 1.28x.
# Rerun the script on another machine and paste its output here. The GRU's fit is of its default convention; with
# reset_after (no n x n product per step) a request took 0.5 to 0.85 of that time here, so the estimate holds for both.
# fmt: off
MODELS: dict[str, Model] = {
    "rnn": Model(_recurrent(1), (0.0154, 0.000146, 4.4e-08, 0.0, 1.2e-10), ("steps", "hidden")),
    "lstm": Model(_recurrent(2), (0.0134, 0.000276, 3.79e-08, 0.0, 2.58e-10), ("steps", "hidden")),
    "gru": Model(_recurrent(1), (0.0166, 0.000218, 8.22e-08, 0.0, 2.2e-10), ("steps", "hidden")),
    "nearfar": Model(_nearfar, (0.00398, 0.000187, 8.28e-09, 1.44e-08, 9.72e-12), ("steps", "hidden")),
    "spectrum": Model(_spectrum, (0.00304, 0.000199, 0.000754, 3.02e-10, 3.63e-10), ("hidden", "steps")),
    "feedforward": Model(
        _feedforward, (0.00444, 0.00029, 4.87e-08, 1.49e-08, 2.98e-10, 2.96e-10), ("layers", "width", "batch")
    ),
    "cliff": Model(_cliff, (0.0086, 6.33e-06, 3.17e-08), ("resolution", "steps")),
    "descent": Model(lambda q: (1.0, q["iterations"], q["iterations"] * q["steps"]), (0.00358, 8.93e-05, 3.71e-06), ("iterations", "steps")),
    "scalar": Model(lambda q: (1.0, q["steps"]), (0.00452, 2.17e-05), ("steps",)),
    "meanfield": Model(lambda q: (1.0,), (0.0972,), ()),
}
# fmt: on
# A loaded model's layer (`model=<id>` on rnn, lstm, gru): the same work at the layer's n and T (the caller puts
# them in the query as hidden and steps); only steps can be lowered.
LOADED: dict[str, Model] = {
    f"{k}_model": Model(MODELS[k].features, MODELS[k].coef, ("steps",)) for k in ("rnn", "lstm", "gru")
}


def model_of(endpoint: str) -> Model | None:
    """The cost model of an endpoint or of a loaded layer's run (None: none)."""
    return MODELS.get(endpoint) or LOADED.get(endpoint)


# The smallest value of each parameter a suggestion may name (the lower ends of the sliders).
MINIMUM: dict[str, int] = {"resolution": 11, "batch": 2}


def estimate(endpoint: str, q: Query) -> float:
    """Estimated seconds to compute endpoint's answer to q (0 for an endpoint without a model)."""
    model = model_of(endpoint)
    return model.seconds(q) if model else 0.0


def largest_fitting(endpoint: str, q: Query, name: str, budget: float) -> int | None:
    """The largest value of parameter `name` below its current one with an estimate within budget, all else
    equal (None: not even its minimum fits). Bisection: every model grows with each of its main parameters."""
    model = LOADED[endpoint] if endpoint in LOADED else MODELS[endpoint]
    lo, hi = MINIMUM.get(name, 1), int(q[name])
    if model.seconds({**q, name: lo}) > budget:
        return None
    while hi - lo > 1:  # invariant: lo fits, hi does not
        mid = (lo + hi) // 2
        if model.seconds({**q, name: mid}) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class Refusal:
    """A request over the budget: its estimate and, per main parameter, the largest value that fits."""

    seconds: float
    budget: float
    fits: dict[str, int]  # parameter -> largest value within budget (parameters that cannot help are left out)
    together: bool = False  # no one parameter is enough: lower all of `fits` at once

    def message(self) -> str:
        head = f"This request would take about {self.seconds:.1f} s, over the limit of {self.budget:g} s"
        if not self.fits:
            return head + "."
        joint = " and " if self.together else " or "
        return head + ": lower " + joint.join(f"{k} to {v}" for k, v in self.fits.items()) + "."

    def detail(self) -> list[dict[str, Any]]:
        """The app's 422 detail: one entry per parameter to lower, each with the whole message, so a page shows
        it beside every control that can fix it."""
        fields = list(self.fits) or ["query"]
        return [
            {
                "field": name,
                "message": self.message(),
                "type": "cost",
                "allowed": f"at most {self.fits[name]}" if name in self.fits else None,
                "estimate_s": round(self.seconds, 3),
                "limit_s": self.budget,
            }
            for name in fields
        ]


def refusal(endpoint: str, q: Query, budget: float) -> Refusal | None:
    """None when q's estimate is within budget; otherwise what to lower."""
    seconds = estimate(endpoint, q)
    if seconds <= budget or not math.isfinite(budget):
        return None
    fits = {}
    names = (LOADED[endpoint] if endpoint in LOADED else MODELS[endpoint]).lower
    for name in names:
        value = largest_fitting(endpoint, q, name, budget)
        if value is not None:
            fits[name] = value
    if fits or not names:
        return Refusal(seconds, budget, fits)
    together = _shrink_together(endpoint, q, names, budget)
    return Refusal(seconds, budget, together or {}, together is not None)


def _shrink_together(endpoint: str, q: Query, names: tuple[str, ...], budget: float) -> dict[str, int] | None:
    """The largest common fraction of all main parameters that fits (bisection on the fraction), or None."""

    def scaled(f: float) -> dict[str, int]:
        return {n: max(MINIMUM.get(n, 1), int(q[n] * f)) for n in names}

    model = LOADED[endpoint] if endpoint in LOADED else MODELS[endpoint]
    if model.seconds({**q, **scaled(0.0)}) > budget:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if model.seconds({**q, **scaled(mid)}) <= budget else (lo, mid)
    return scaled(lo)
