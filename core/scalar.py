"""The scalar RNN (hidden = 1): every factor of the product is a number one can read.

a_t = w h_{t-1} + u x_t + b,  h_t = phi(a_t),  dh_t/dh_{t-1} = w phi'(a_t).
The running product dh_t/dh_0 is the sum of log10 |w phi'(a_j)| over j <= t; its sign is sign(w)^t
(phi' >= 0). Beside it, the compound-interest picture of claim C1: (1 - eps)^N and (1 + eps)^N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core import weights
from core.activations import ACTIVATIONS, curve
from core.cells import rnn
from core.config import ActivationName, Bounds
from core.logmath import LN10, log10_abs, power_line

WEIGHT = Bounds(-10.0, 10.0)
H0 = Bounds(-10.0, 10.0)
EPS = Bounds(0.0, 0.99)
HORIZON = Bounds(1, 100000)
Include = Literal["weights"]


@dataclass(frozen=True)
class ScalarConfig:
    """One scalar RNN run, plus the (1 +- eps)^N calculator."""

    activation: ActivationName = "sigmoid"  # phi
    weight: float = 3.0  # w: below 1 / sup phi' (4 for sigmoid) every long product vanishes
    bias: float = 0.0  # b
    input_scale: float = 0.0  # x_t ~ N(0, input_scale^2), u ~ N(0, 1)
    h0: float = 0.5  # h_0
    steps: int = 50  # T
    seed: int = 0
    eps: float = 0.01  # per-step change of the calculator
    horizon: int = 365  # N of the calculator


@dataclass(frozen=True)
class ScalarResult:
    """log10 magnitudes of one scalar run (-inf: an exact zero)."""

    log10_dphi: np.ndarray  # (T,) log10 phi'(a_t), t = 1..T
    log10_factor: np.ndarray  # (T,) log10 |w phi'(a_t)|
    log10_running: np.ndarray  # (T+1,) log10 |dh_t/dh_0|, t = 0..T
    decay: np.ndarray  # (T+1,) log10 |dh_T/dh_k|, k = 0..T
    bound: np.ndarray  # (T+1,) log10 (gamma |w|)^(T-k): the same product at the steepest phi'
    sign: int  # sign of w: the product's sign alternates when w < 0
    pre: np.ndarray  # (T,) a_t where finite in float64 (saturating activations); NaN past 1e300
    states: np.ndarray  # (T+1,) h_t, NaN where it left float64 (linear / ReLU explosions)
    summary: dict[str, float]
    compound: dict[str, float]
    curve: dict[str, np.ndarray]  # phi and phi' on a grid of a, to place the run's a_t on
    arrays: dict[str, np.ndarray]  # w, u, b, h0 (0-d) and x (T,)


def compound(eps: float, horizon: int) -> dict[str, float]:
    """(1 - eps)^N and (1 + eps)^N in log10 and, where they fit in float64, as numbers."""
    shrink = horizon * math.log1p(-eps) / math.log(10.0)
    grow = horizon * math.log1p(eps) / math.log(10.0)
    return {
        "eps": eps,
        "horizon": float(horizon),
        "log10_shrink": shrink,
        "log10_grow": grow,
        "shrink": 10.0**shrink if shrink > -300 else 0.0,
        "grow": 10.0**grow if grow < 300 else float("inf"),
    }


def _true_values(values: np.ndarray, log2: np.ndarray) -> np.ndarray:
    """values * 2**log2 where that is a float64, NaN beyond."""
    out = np.full(values.shape, np.nan)
    ok = log2 < 900
    with np.errstate(over="ignore"):
        scaled = np.ldexp(values[ok], log2[ok].astype(np.int64))
    out[ok] = np.where(np.isfinite(scaled), scaled, np.nan)
    return out


def run_scalar(cfg: ScalarConfig) -> ScalarResult:
    """The scalar run: factors, running product, decay to T and the sup-phi' bound."""
    act = ACTIVATIONS[cfg.activation]
    T = cfg.steps
    u = weights.input_weights(cfg.seed, 1, 1)[0]  # (1, 1)
    x = weights.inputs(cfg.seed, T, 1, cfg.input_scale)  # (T, 1)
    p = rnn.RNNParams(np.array([[cfg.weight]]), u, np.array([cfg.bias]), np.array([cfg.h0]), cfg.activation)
    trace = rnn.forward(p, x)
    log10_dphi = act.log_dphi(trace.pre[:, 0]) / LN10
    log10_w = float(log10_abs(np.array(cfg.weight))[()])
    log10_factor = log10_w + log10_dphi
    running = np.zeros(T + 1)
    running[1:] = np.cumsum(log10_factor)
    decay = np.zeros(T + 1)
    decay[:T] = np.cumsum(log10_factor[::-1])[::-1]
    per_step = float(log10_abs(np.array(act.gamma * cfg.weight))[()])
    bound = power_line(T, per_step)
    summary = {
        "weight": cfg.weight,
        "gamma": act.gamma,
        "gamma_abs_weight": act.gamma * abs(cfg.weight),
        "vanishing_weight": 1.0 / act.gamma,  # |w| below this: every long product vanishes
        "log10_mean_factor": float(np.mean(log10_factor)) if T and np.all(np.isfinite(log10_factor)) else float("nan"),
    }
    return ScalarResult(
        log10_dphi=log10_dphi,
        log10_factor=log10_factor,
        log10_running=running,
        decay=decay,
        bound=bound,
        sign=int(np.sign(cfg.weight)),
        pre=_true_values(trace.pre[:, 0], trace.pre_log2),
        states=_true_values(trace.states[:, 0], trace.states_log2),
        summary=summary,
        compound=compound(cfg.eps, cfg.horizon),
        curve=curve(cfg.activation),
        arrays={"w": p.W[0, 0], "u": u[0, 0], "b": p.b[0], "h0": p.h0[0], "x": x[:, 0]},
    )
