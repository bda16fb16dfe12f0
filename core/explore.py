"""Runs a configuration end to end: weights, forward pass, Jacobian products, summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from core import jacobian, pairs, saturation, sweep, weights
from core.activations import ACTIVATIONS, log_sigmoid
from core.cells import gru, lstm, rnn
from core.config import PAIR_WORK_BUDGET, GRUConfig, LSTMConfig, RNNConfig, pair_work
from core.logmath import LN10, log10_abs, power_line
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
    cell_path: dict[str, np.ndarray] = field(default_factory=dict)  # LSTM: the cell path; GRU: the carry path
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # the exact weights and inputs
    preactivations: saturation.Preactivations | None = None  # RNN only
    rho_line: np.ndarray | None = None  # (T+1,) log10 rho(W)^(T-k), RNN only: the asymptotic rate


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
def _gated_unit_spectra(seed: int, n: int, gates: int) -> tuple[float, float, float]:
    """rho and ||.||_2 of the first gate's W_h (f or z), and ||.||_2 of all gates' W_h stacked."""
    Wh = weights.recurrent(seed, n, 1.0, "gaussian", count=gates)
    rho, sigma = _spectral(Wh[0])
    return rho, sigma, float(np.linalg.norm(Wh.reshape(gates * n, n), 2))


def _log10_bound_per_step(gamma: float, W: np.ndarray, scale: float, sigma_unit: float) -> float:
    """log10 (gamma ||W||_2) in log space. A W of subnormal entries is not scale times the unit draw (each entry
    rounds on its own), so its norm is then taken from W itself, scaled up first."""
    peak = float(np.max(np.abs(W)))
    if peak == 0:
        return -np.inf
    if peak < np.finfo(float).tiny:
        return float(np.log10(gamma) + np.log10(peak) + np.log10(np.linalg.norm(W / peak, 2)))
    return float(np.log10(gamma) + np.log10(scale) + np.log10(sigma_unit))


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
    gamma = ACTIVATIONS[cfg.activation].gamma
    rho_unit, sigma_unit = _rnn_unit_spectra(cfg.seed, cfg.hidden, cfg.init)
    per_step = _log10_bound_per_step(gamma, p.W, cfg.scale, sigma_unit)
    log10_rho = float(log10_abs(np.array([cfg.scale, rho_unit])).sum())
    spectra = (cfg.scale * rho_unit, cfg.scale * sigma_unit)
    return rnn_result(p, x, cfg.norm, weights.probe(cfg.seed, cfg.hidden), with_pairs, spectra, per_step, log10_rho)


def rnn_spectra(p: rnn.RNNParams) -> tuple[tuple[float, float], float, float]:
    """((rho, ||W||_2), log10 gamma ||W||_2, log10 rho) of any RNN's W, for rnn_result."""
    rho, sigma = _spectral(p.W) if p.W.size else (0.0, 0.0)
    gamma = ACTIVATIONS[p.activation].gamma
    per_step = _log10_bound_per_step(gamma, p.W, 1.0, sigma)
    return (rho, sigma), per_step, float(log10_abs(np.array(rho)))


def rnn_result(
    p: rnn.RNNParams,
    x: np.ndarray,
    norm: Norm,
    u: np.ndarray,
    with_pairs: bool,
    spectra: tuple[float, float],
    per_step: float,
    log10_rho: float,
) -> Result:
    """The vanilla RNN's views for weights p, inputs x (T, m) and probe u: spectra = (rho(W), ||W||_2),
    per_step = log10 gamma ||W||_2 (the bound's rate), log10_rho = log10 rho(W)."""
    trace = rnn.forward(p, x)
    f = rnn.factors(p, trace)
    gamma = ACTIVATIONS[p.activation].gamma
    rho, sigma = spectra
    steps, hidden = x.shape[0], p.W.shape[0]
    bound = power_line(steps, per_step)
    rho_line = power_line(steps, log10_rho)
    budget = budget_for(steps, hidden, 1)
    summary = {
        "spectral_radius": rho,
        "sigma_max": sigma,
        "gamma": gamma,
        "gamma_sigma_max": gamma * sigma,
        "log10_bound_per_step": per_step,
    }
    arrays = {"W": p.W, "U": p.U, "b": p.b, "h0": p.h0, "x": x, "u": u}
    decay, units, heat = products(f, norm, u, budget, with_pairs)
    return Result(
        decay=decay,
        pairs=heat,
        units=units,
        budget=budget,
        summary=summary,
        bound=bound,
        arrays=arrays,
        preactivations=saturation.preactivations(p.activation, trace.pre, trace.pre_log2),
        rho_line=rho_line,
    )


def _gate_facts(gate: str, values: np.ndarray, spectra: tuple[float, ...]) -> dict[str, float]:
    """Mean / min / max of one gate over the run, and the spectra of its W_h and of all gates' W_h."""
    T = values.shape[0]
    rho, sigma, sigma_all = spectra
    return {
        f"mean_{gate}_gate": float(np.mean(values)) if T else float("nan"),
        f"min_{gate}_gate": float(np.min(values)) if T else float("nan"),
        f"max_{gate}_gate": float(np.max(values)) if T else float("nan"),
        f"{gate}_spectral_radius": rho,
        f"{gate}_sigma_max": sigma,
        "recurrent_sigma_max": sigma_all,
    }


def _gate_arrays(names: tuple[str, ...], p: Any, skip: str = "") -> dict[str, Any]:
    """W_{g}h, W_{g}x and b_{g} of every gate g of params p but `skip`."""
    out: dict[str, Any] = {}
    for g, name in enumerate(names):
        if name != skip:
            out |= {f"W_{name}h": p.Wh[g], f"W_{name}x": p.Wx[g], f"b_{name}": p.b[g]}
    return out


def lstm_params(cfg: LSTMConfig) -> tuple[lstm.LSTMParams, np.ndarray]:
    """The seeded weights and inputs of a run (the same inputs as an RNN with this seed)."""
    n = cfg.hidden
    Wh = weights.recurrent(cfg.seed, n, cfg.scale, "gaussian", count=4)
    Wx = weights.input_weights(cfg.seed, n, n, count=4)
    b = np.zeros((4, n))
    b[0] = cfg.forget_bias
    x = weights.inputs(cfg.seed, cfg.steps, n, cfg.input_scale)
    peep = weights.peephole(cfg.seed, n, cfg.scale) if cfg.peephole else None
    return lstm.LSTMParams(Wh, Wx, b, np.zeros(n), np.zeros(n), peep, cfg.coupled), x


def run_lstm(cfg: LSTMConfig, with_pairs: bool = True) -> Result:
    """Full-state Jacobian decay, heatmap and unit view, and the cell-state path alone."""
    p, x = lstm_params(cfg)
    log_sig_bf = float(log_sigmoid(np.array(cfg.forget_bias)) / LN10)  # log10 sigmoid(b_f)
    spectra = tuple(cfg.scale * v for v in _gated_unit_spectra(cfg.seed, cfg.hidden, 4))
    head = {"sigmoid_forget_bias": float(10.0**log_sig_bf)}
    return lstm_result(p, x, cfg.norm, weights.probe(cfg.seed, cfg.hidden), with_pairs, spectra, log_sig_bf, head)


def gated_spectra(Wh: np.ndarray) -> tuple[float, float, float]:
    """rho and ||.||_2 of the first gate's W_h (f or z), and ||.||_2 of all gates' W_h stacked, of any weights."""
    G, n = Wh.shape[0], Wh.shape[1]
    if n == 0:
        return 0.0, 0.0, 0.0
    rho, sigma = _spectral(Wh[0])
    return rho, sigma, float(np.linalg.norm(Wh.reshape(G * n, n), 2))


def lstm_result(
    p: lstm.LSTMParams,
    x: np.ndarray,
    norm: Norm,
    u: np.ndarray,
    with_pairs: bool,
    spectra: tuple[float, ...],
    log10_reference: float,
    head: dict[str, float],
) -> Result:
    """The LSTM's views for weights p, inputs x (T, m) and probe u (n,): spectra as gated_spectra gives them,
    log10_reference = the cell path's per-step factor with zero weights, head = the first summary entries."""
    trace = lstm.forward(p, x)
    f = lstm.factors(p, trace)
    n, T = p.h0.shape[0], x.shape[0]
    cell_path = _diagonal_path(lstm.log10_carry(p, trace), log10_reference)
    budget = budget_for(T, n, 2)
    summary = {**head, **_gate_facts("forget", trace.gates[:, 0, :], spectra)}
    decay, units, heat = products(f, norm, np.concatenate([u, np.zeros(n)]), budget, with_pairs)
    # coupled: i = 1 - f, the input gate has no weights of its own
    arrays = {"h0": p.h0, "c0": p.c0, "x": x, "u": u} | _gate_arrays(lstm.GATES, p, "i" if p.coupled else "")
    if p.peep is not None:
        for g, name in enumerate(lstm.PEEPHOLES):
            if not (p.coupled and name == "i"):
                arrays[f"p_{name}"] = p.peep[g]
    return Result(
        decay=decay,
        pairs=heat,
        units=units[:n],
        budget=budget,
        summary=summary,
        cell_path=cell_path,
        arrays=arrays,
    )


def gru_params(cfg: GRUConfig) -> tuple[gru.GRUParams, np.ndarray]:
    """The seeded weights and inputs of a run (the same inputs as an RNN or LSTM with this seed)."""
    n = cfg.hidden
    Wh = weights.recurrent(cfg.seed, n, cfg.scale, "gaussian", count=3)
    Wx = weights.input_weights(cfg.seed, n, n, count=3)
    b = np.zeros((3, n))
    b[0] = cfg.update_bias
    x = weights.inputs(cfg.seed, cfg.steps, n, cfg.input_scale)
    if cfg.reset_after:
        return gru.GRUParams(Wh, Wx, b, np.zeros(n), True, np.zeros(n)), x
    return gru.GRUParams(Wh, Wx, b, np.zeros(n)), x


def _diagonal_path(log10_factor: np.ndarray, log10_reference: float) -> dict[str, np.ndarray]:
    """A gate's direct path (T, n) log10 factors -> per-unit products, their norm and the zero-weight reference."""
    per_unit = jacobian.diagonal_path(log10_factor)  # (n, T+1)
    T = log10_factor.shape[0]
    return {
        "log10_norm": np.max(per_unit, axis=0),  # ||prod diag||_2 = max over units
        "log10_per_unit": per_unit,
        "reference_log10": (T - np.arange(T + 1)) * log10_reference,
    }


def run_gru(cfg: GRUConfig, with_pairs: bool = True) -> Result:
    """Jacobian decay, heatmap and unit view of a GRU, and its carry path prod diag(1 - z_t)."""
    p, x = gru_params(cfg)
    log_keep_bias = float(log_sigmoid(np.array(-cfg.update_bias)) / LN10)  # log10 sigmoid(-b_z)
    spectra = tuple(cfg.scale * v for v in _gated_unit_spectra(cfg.seed, cfg.hidden, 3))
    head = {"sigmoid_minus_update_bias": float(10.0**log_keep_bias)}
    return gru_result(p, x, cfg.norm, weights.probe(cfg.seed, cfg.hidden), with_pairs, spectra, log_keep_bias, head)


def gru_result(
    p: gru.GRUParams,
    x: np.ndarray,
    norm: Norm,
    u: np.ndarray,
    with_pairs: bool,
    spectra: tuple[float, ...],
    log10_reference: float,
    head: dict[str, float],
) -> Result:
    """The GRU's views for weights p (either reset convention), inputs x (T, m) and probe u (n,); the
    arguments as in lstm_result, log10_reference being the carry's per-step factor with zero weights."""
    trace = gru.forward(p, x)
    f = gru.factors(p, trace)
    n, T = p.h0.shape[0], x.shape[0]
    budget = budget_for(T, n, 1)
    summary = {**head, **_gate_facts("update", trace.gates[:, 0, :], spectra)}
    decay, units, heat = products(f, norm, u, budget, with_pairs)
    arrays = {"h0": p.h0, "x": x, "u": u} | _gate_arrays(gru.GATES, p)
    if p.reset_after:
        arrays["b_hn"] = np.zeros(n) if p.b_hn is None else p.b_hn
    return Result(
        decay=decay,
        pairs=heat,
        units=units,
        budget=budget,
        summary=summary,
        cell_path=_diagonal_path(gru.log10_keep(trace), log10_reference),
        arrays=arrays,
    )
