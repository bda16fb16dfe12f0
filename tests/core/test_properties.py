"""Invariants of the recurrent cells on random small runs (hypothesis, derandomized): log norms finite or exact
zeros, the Pascanu bound, products that compose step by step, and closed forms.

The per-step Jacobians are recomputed from the run's own arrays, independently of the core: the RNN's in closed
form, diag(phi'(a_t)) W (tests/core/properties.py), the LSTM's and GRU's by complex step (tests/reference*.py).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import GRUConfig, LSTMConfig, RNNConfig, run_gru, run_lstm, run_rnn
from core.logmath import power_line
from core.norms import Norm
from tests import reference, reference_gru
from tests.core.properties import (
    GAMMA,
    NORMS,
    PROPERTY,
    TOL,
    _close,
    _extreme,
    _finite_or_zero,
    _log_norm,
    _log_products,
    _lower,
    _rnn_steps,
    _scaled,
    _submultiplicative,
    rnn_configs,
    seeds,
)

# --- the vanilla RNN --------------------------------------------------------------------------------------------


@PROPERTY
@given(rnn_configs)
@example(RNNConfig(activation="relu", scale=10.0, hidden=1, steps=30, input_scale=0.0, bias=-10.0))  # all dead
@example(RNNConfig(activation="linear", scale=5e-324, init="gaussian", hidden=8, steps=30))  # subnormal W
def test_rnn_norms_are_finite_or_exact_zeros_and_match_the_products(cfg: RNNConfig) -> None:
    r = run_rnn(cfg)
    assert r.pairs is not None and r.pairs.exact and r.bound is not None and r.rho_line is not None
    for values in (r.decay, _lower(r.pairs.values), r.units, r.bound, r.rho_line):
        _finite_or_zero(values)
    assert np.all(np.isnan(r.pairs.values[np.triu_indices(cfg.steps + 1, 1)]))  # k > t: not defined
    w = r.arrays
    products = _log_products(_rnn_steps(cfg, w))
    T = cfg.steps
    for (t, k), (p, s) in products.items():
        assert _close(float(r.pairs.values[t, k]), _log_norm(p, s, cfg.norm)), (t, k)
    for k in range(T + 1):
        assert _close(float(r.decay[k]), _log_norm(*products[(T, k)], cfg.norm)), k
        p, s = products[(T, k)]
        g = w["u"] @ p  # dL/dh_k = u^T dh_T/dh_k
        top = float(np.max(np.abs(g)))
        if s == -math.inf:  # an exact zero product (dead units, zero weights): every entry exactly zero
            assert np.all(r.units[:, k] == -np.inf), k
            continue
        for i in range(cfg.hidden):  # entries within 6 orders of the largest: cancellation cannot blur them
            if abs(g[i]) >= 1e-6 * top > 0:
                assert _close(float(r.units[i, k]), s + math.log10(abs(g[i])), 1e-6), (i, k)


@PROPERTY
@given(rnn_configs)
@example(RNNConfig(activation="linear", scale=5e-324, init="gaussian", hidden=8, steps=30))
@example(RNNConfig(activation="sigmoid", scale=10.0, init="orthogonal", hidden=1, steps=30, bias=0.0, input_scale=0.0))
def test_rnn_pascanu_bound_holds(cfg: RNNConfig) -> None:
    """||dh_t/dh_k||_2 <= (gamma ||W||_2)^(t-k); the Frobenius norm within sqrt(n) of it."""
    r = run_rnn(cfg)
    assert r.pairs is not None and r.bound is not None
    W = r.arrays["W"]
    peak = float(np.max(np.abs(W)))  # a subnormal W loses its digits in float arithmetic: scaled up first
    per_step = -math.inf
    if peak > 0:
        per_step = math.log10(GAMMA[cfg.activation]) + math.log10(peak) + math.log10(float(np.linalg.norm(W / peak, 2)))
    slack = 0.0 if cfg.norm == "spectral" else 0.5 * math.log10(cfg.hidden)
    # The bound the core reports is the one of the W it used.
    assert np.all(np.isclose(r.bound, power_line(cfg.steps, per_step), rtol=1e-9, atol=1e-9) | (r.bound == -np.inf))
    for t in range(cfg.steps + 1):
        for k in range(t + 1):
            value, bound = float(r.pairs.values[t, k]), (t - k) * per_step if t > k else 0.0
            if bound == -math.inf:  # W = 0: the product is exactly zero
                assert value == -math.inf, (t, k, value)
            else:
                assert value <= bound + slack + TOL * max(1.0, abs(bound)), (t, k, value, bound)


@PROPERTY
@given(rnn_configs, st.data())
def test_rnn_products_compose_and_norms_are_submultiplicative(cfg: RNNConfig, data: st.DataObject) -> None:
    """dh_t/dh_k = dh_t/dh_j dh_j/dh_k, and ||dh_t/dh_k|| <= ||dh_t/dh_j|| ||dh_j/dh_k|| in the core's numbers."""
    r = run_rnn(cfg)
    assert r.pairs is not None
    products = _log_products(_rnn_steps(cfg, r.arrays))
    k = data.draw(st.integers(0, cfg.steps), label="k")
    j = data.draw(st.integers(k, cfg.steps), label="j")
    t = data.draw(st.integers(j, cfg.steps), label="t")
    (ptj, stj), (pjk, sjk) = products[(t, j)], products[(j, k)]
    composed = _log_norm(ptj @ pjk, stj + sjk, cfg.norm) if stj + sjk > -math.inf else -math.inf
    assert _close(float(r.pairs.values[t, k]), composed), (t, j, k)
    assert _submultiplicative(r.pairs.values, t, j, k), (t, j, k)


@settings(PROPERTY, max_examples=25)
@given(st.floats(0.0, 10.0), st.integers(1, 8), st.integers(1, 30), st.sampled_from(NORMS))
@example(0.0, 3, 30, "spectral")
@example(5e-324, 2, 30, "spectral")
def test_linear_rnn_with_a_times_identity_gives_a_to_the_t_minus_k(a: float, n: int, T: int, norm: Norm) -> None:
    r = run_rnn(RNNConfig(activation="linear", init="identity", scale=a, hidden=n, steps=T, norm=norm))
    assert r.pairs is not None
    offset = 0.0 if norm == "spectral" else 0.5 * math.log10(n)  # ||a^m I||_F = a^m sqrt(n)
    log_a = math.log10(a) if a > 0 else -math.inf
    for k in range(T + 1):
        expected = (T - k) * log_a + offset if k < T else offset
        assert _close(float(r.decay[k]), expected, 1e-12), (k, r.decay[k], expected)
        assert _close(float(r.pairs.values[T, k]), expected, 1e-12), k


# --- LSTM and GRU: per-step Jacobians by complex step -------------------------------------------------------------

lstm_configs = st.builds(
    LSTMConfig,
    hidden=st.integers(1, 4),
    steps=st.integers(1, 10),
    scale=_extreme(0.0, 10.0),
    forget_bias=_extreme(-10.0, 10.0),
    input_scale=_extreme(0.0, 10.0),
    seed=seeds,
    norm=st.sampled_from(NORMS),
    peephole=st.booleans(),
    coupled=st.booleans(),
)
gru_configs = st.builds(
    GRUConfig,
    hidden=st.integers(1, 4),
    steps=st.integers(1, 10),
    scale=_extreme(0.0, 10.0),
    update_bias=_extreme(-10.0, 10.0),
    input_scale=_extreme(0.0, 10.0),
    seed=seeds,
    norm=st.sampled_from(NORMS),
)


def _check_gated(r: Any, steps: list[tuple[np.ndarray, float]], norm: Norm, gated_path: bool) -> None:
    """Every reported norm finite or an exact zero, equal to the product of the per-step Jacobians given, and
    sub-multiplicative; a direct path of gates in (0, 1) alone (no peepholes) never above 1."""
    assert r.pairs is not None and r.pairs.exact
    for values in (r.decay, _lower(r.pairs.values), r.units, *r.cell_path.values()):
        _finite_or_zero(values)
    assert not gated_path or np.all(r.cell_path["log10_norm"] <= 1e-12)
    products = _log_products(steps)
    T, v = len(steps), r.pairs.values
    for (t, k), (p, s) in products.items():
        assert _close(float(v[t, k]), _log_norm(p, s, norm), 1e-6), (t, k)
        for j in range(k, t + 1):
            assert _submultiplicative(v, t, j, k), (t, j, k)
    for k in range(T + 1):  # the decay curve (a backward sweep) is the heatmap's last row (a forward one)
        assert _close(float(r.decay[k]), float(v[T, k]), 1e-6), k


@settings(PROPERTY, max_examples=50)
@given(lstm_configs)
def test_lstm_norms_are_finite_and_compose_from_its_steps(cfg: LSTMConfig) -> None:
    r = run_lstm(cfg)
    w = r.arrays
    steps = [_scaled(reference.lstm_jacobian(w, t, t - 1)) for t in range(1, cfg.steps + 1)]
    _check_gated(r, steps, cfg.norm, not cfg.peephole)


@settings(PROPERTY, max_examples=50)
@given(gru_configs)
def test_gru_norms_are_finite_and_compose_from_its_steps(cfg: GRUConfig) -> None:
    r = run_gru(cfg)
    w = r.arrays
    steps = [_scaled(reference_gru.gru_jacobian(w, t, t - 1)) for t in range(1, cfg.steps + 1)]
    _check_gated(r, steps, cfg.norm, True)


@settings(PROPERTY, max_examples=30)
@given(_extreme(-10.0, 10.0), st.integers(1, 8), st.integers(1, 30), st.booleans(), st.booleans())
@example(-10.0, 8, 30, True, True)
def test_lstm_with_zero_weights_has_the_closed_form(bf: float, n: int, T: int, peephole: bool, coupled: bool) -> None:
    """W = 0, x = 0: c stays 0, dc_t/dc_{t-1} = f = sigmoid(b_f) and dh_t/dc_{t-1} = f / 2 (o = 1/2, tanh'(0) = 1),
    so the cell path is f^(T-k) and the full product has norm f^(T-k) sqrt(5/4) (rank one per unit)."""
    cfg = LSTMConfig(hidden=n, steps=T, scale=0.0, forget_bias=bf, input_scale=0.0, peephole=peephole, coupled=coupled)
    r = run_lstm(cfg)
    log_f = -math.log1p(math.exp(-bf)) / math.log(10.0)
    for k in range(T + 1):
        assert _close(float(r.cell_path["log10_norm"][k]), (T - k) * log_f, 1e-12), k
        expected = (T - k) * log_f + 0.5 * math.log10(1.25) if k < T else 0.0
        assert _close(float(r.decay[k]), expected, 1e-9), (k, r.decay[k], expected)
    assert np.allclose(r.cell_path["log10_per_unit"], r.cell_path["log10_norm"][None, :], rtol=1e-12, atol=1e-12)
    assert np.allclose(r.cell_path["reference_log10"], r.cell_path["log10_norm"], rtol=1e-12, atol=1e-12)


@settings(PROPERTY, max_examples=30)
@given(_extreme(-10.0, 10.0), st.integers(1, 8), st.integers(1, 30))
def test_gru_with_zero_weights_carries_sigmoid_minus_bz(bz: float, n: int, T: int) -> None:
    """W = 0, x = 0: the candidate is tanh(0) = 0, so dh_t/dh_{t-1} = (1 - z) I with 1 - z = sigmoid(-b_z)."""
    r = run_gru(GRUConfig(hidden=n, steps=T, scale=0.0, update_bias=bz, input_scale=0.0))
    log_keep = -math.log1p(math.exp(bz)) / math.log(10.0)
    for k in range(T + 1):
        assert _close(float(r.decay[k]), (T - k) * log_keep, 1e-9), k
        assert _close(float(r.cell_path["log10_norm"][k]), (T - k) * log_keep, 1e-12), k
