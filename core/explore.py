"""Runs a configuration end to end: weights, forward pass, Jacobian products, summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from core import jacobian, pairs, sweep, weights
from core.activations import ACTIVATIONS
from core.cells import lstm, rnn
from core.config import PAIR_WORK_BUDGET, LSTMConfig, RNNConfig, pair_work
from core.logmath import log10_abs
from core.norms import Norm
from core.weights import Init


@dataclass(frozen=True)
class PairsBudget:
    """Whether the exact (t, k) heatmap fits the cost budget, and what would make it fit."""

    work: float
    budget: float
    max_steps: int  # largest T that fits at this hidden size
    max_hidden: int  # largest n that fits at this T (0 if none)

    @property
    def fits(self) -> bool:
        return self.work <= self.budget


@dataclass(frozen=True)
class Result:
    """Everything one run shows. log10 arrays; -inf is an exact zero, NaN is 'not defined'."""

    decay: np.ndarray  # (T+1,) log10 ||dh_T/dh_k||, k = 0..T
    pairs: pairs.Heatmap | None  # (t, k) heatmap, exact within the budget, else the estimate; None if not asked
    units: np.ndarray  # (n, T+1) log10 |dL/dh_k[i]|, L = <u, h_T>
    budget: PairsBudget
    summary: dict[str, float]
    bound: np.ndarray | None = None  # (T+1,) log10 (gamma ||W||_2)^(T-k), RNN only
    cell_path: dict[str, np.ndarray] = field(default_factory=dict)  # LSTM only
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # the exact weights and inputs


def budget_for(steps: int, hidden: int, dim_per_unit: int) -> PairsBudget:
    """Cost of the exact heatmap and the largest steps / hidden that would fit."""
    dim = dim_per_unit * hidden
    max_steps = 1
    while max_steps < 1000 and pair_work(max_steps + 1, dim) <= PAIR_WORK_BUDGET:
        max_steps += 1
    max_hidden = 0
    while max_hidden < 256 and pair_work(steps, dim_per_unit * (max_hidden + 1)) <= PAIR_WORK_BUDGET:
        max_hidden += 1
    return PairsBudget(pair_work(steps, dim), PAIR_WORK_BUDGET, max_steps, max_hidden)


def products(
    f: jacobian.Factors, norm: Norm, probe: np.ndarray, budget: PairsBudget, with_pairs: bool
) -> tuple[np.ndarray, np.ndarray, pairs.Heatmap | None]:
    """Decay curve, unit view and (t, k) heatmap at screen resolution: the heatmap is exact within the
    budget (a forward sweep of its own), else the Lyapunov estimate, computed in the same backward sweep
    as the other two."""
    steps = pairs.sample_steps(f.steps)
    estimate = with_pairs and not budget.fits
    decay, units, heat = sweep.backward(f, norm, probe, steps if estimate else None, steps if estimate else None)
    if with_pairs and budget.fits:
        heat = pairs.exact(f, norm, steps, steps)
    return decay, units, heat


def _spectral(m: np.ndarray) -> tuple[float, float]:
    """(spectral radius, largest singular value)."""
    return float(np.max(np.abs(np.linalg.eigvals(m)))), float(np.linalg.norm(m, 2))


# rho(sW) = s rho(W) and ||sW|| = s ||W|| for s >= 0: the spectra of the unit-scale draws are kept,
# so moving the scale slider costs no eigenvalue problem (37-55 ms at n = 256).
@lru_cache(maxsize=64)
def _rnn_unit_spectra(seed: int, n: int, init: Init) -> tuple[float, float]:
    return _spectral(weights.recurrent(seed, n, 1.0, init)[0])


@lru_cache(maxsize=64)
def _lstm_unit_spectra(seed: int, n: int) -> tuple[float, float, float]:
    Wh = weights.recurrent(seed, n, 1.0, "gaussian", count=4)
    rho, sigma = _spectral(Wh[0])
    return rho, sigma, float(np.linalg.norm(Wh.reshape(4 * n, n), 2))


def rnn_params(cfg: RNNConfig) -> tuple[rnn.RNNParams, np.ndarray]:
    """The seeded weights and inputs of a run."""
    n = cfg.hidden
    W = weights.recurrent(cfg.seed, n, cfg.scale, cfg.init)[0]
    U = weights.input_weights(cfg.seed, n, n)[0]
    x = weights.inputs(cfg.seed, cfg.steps, n, cfg.input_scale)
    return rnn.RNNParams(W, U, np.full(n, cfg.bias), np.zeros(n), cfg.activation), x


def run_rnn(cfg: RNNConfig, with_pairs: bool = True) -> Result:
    """Decay curve, heatmap, unit view and the Pascanu bound for a vanilla RNN."""
    p, x = rnn_params(cfg)
    trace = rnn.forward(p, x)
    f = rnn.factors(p, trace)
    gamma = ACTIVATIONS[cfg.activation].gamma
    rho, sigma = (cfg.scale * v for v in _rnn_unit_spectra(cfg.seed, cfg.hidden, cfg.init))
    per_step = float(log10_abs(np.array(gamma * sigma))[()])
    # (T - k) * per_step, with the empty product at k = T equal to 1 even when ||W|| = 0.
    bound = np.zeros(cfg.steps + 1)
    bound[:-1] = np.arange(cfg.steps, 0, -1) * per_step
    budget = budget_for(cfg.steps, cfg.hidden, 1)
    u = weights.probe(cfg.seed, cfg.hidden)
    summary = {
        "spectral_radius": rho,
        "sigma_max": sigma,
        "gamma": gamma,
        "gamma_sigma_max": gamma * sigma,
        "log10_bound_per_step": per_step,
    }
    arrays = {"W": p.W, "U": p.U, "b": p.b, "h0": p.h0, "x": x, "u": u}
    decay, units, heat = products(f, cfg.norm, u, budget, with_pairs)
    return Result(
        decay=decay,
        pairs=heat,
        units=units,
        budget=budget,
        summary=summary,
        bound=bound,
        arrays=arrays,
    )


def lstm_params(cfg: LSTMConfig) -> tuple[lstm.LSTMParams, np.ndarray]:
    """The seeded weights and inputs of a run (the same inputs as an RNN with this seed)."""
    n = cfg.hidden
    Wh = weights.recurrent(cfg.seed, n, cfg.scale, "gaussian", count=4)
    Wx = weights.input_weights(cfg.seed, n, n, count=4)
    b = np.zeros((4, n))
    b[0] = cfg.forget_bias
    x = weights.inputs(cfg.seed, cfg.steps, n, cfg.input_scale)
    return lstm.LSTMParams(Wh, Wx, b, np.zeros(n), np.zeros(n)), x


def run_lstm(cfg: LSTMConfig, with_pairs: bool = True) -> Result:
    """Full-state Jacobian decay, heatmap and unit view, and the cell-state path alone."""
    p, x = lstm_params(cfg)
    trace = lstm.forward(p, x)
    f = lstm.factors(p, trace)
    n, T = cfg.hidden, cfg.steps
    per_unit = jacobian.diagonal_path(lstm.log10_forget(trace))  # (n, T+1)
    k = np.arange(T + 1)
    log_sig_bf = float(np.log10(np.exp(-np.logaddexp(0.0, -cfg.forget_bias))))
    cell_path = {
        "log10_norm": np.max(per_unit, axis=0),  # ||prod diag(f)||_2 = max over units
        "log10_per_unit": per_unit,
        "reference_log10": (T - k) * log_sig_bf,  # sigmoid(b_f)^(T-k)
    }
    u = weights.probe(cfg.seed, n)
    budget = budget_for(T, n, 2)
    rho, sigma, sigma_all = (cfg.scale * v for v in _lstm_unit_spectra(cfg.seed, n))
    forget = trace.gates[:, 0, :]
    summary = {
        "sigmoid_forget_bias": float(10.0**log_sig_bf),
        "mean_forget_gate": float(np.mean(forget)) if T else float("nan"),
        "min_forget_gate": float(np.min(forget)) if T else float("nan"),
        "max_forget_gate": float(np.max(forget)) if T else float("nan"),
        "forget_spectral_radius": rho,
        "forget_sigma_max": sigma,
        "recurrent_sigma_max": sigma_all,
    }
    decay, units, heat = products(f, cfg.norm, np.concatenate([u, np.zeros(n)]), budget, with_pairs)
    arrays: dict[str, Any] = {"h0": p.h0, "c0": p.c0, "x": x, "u": u}
    for g, name in enumerate(lstm.GATES):
        arrays[f"W_{name}h"] = p.Wh[g]
        arrays[f"W_{name}x"] = p.Wx[g]
        arrays[f"b_{name}"] = p.b[g]
    return Result(
        decay=decay,
        pairs=heat,
        units=units[:n],
        budget=budget,
        summary=summary,
        cell_path=cell_path,
        arrays=arrays,
    )
