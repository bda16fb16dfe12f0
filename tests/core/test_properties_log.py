"""Invariants on random runs (hypothesis, derandomized): log space that never overflows, the scalar RNN's
factors and bound, and deep feed-forward nets' finite or exactly zero gradient norms."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from core import sweep
from core.config import ActivationName
from core.feedforward import FFConfig, run_feedforward
from core.jacobian import Factors
from core.logmath import log10_abs, power_line
from core.norms import Norm
from core.pairs import exact, sample_steps
from core.scalar import ScalarConfig, run_scalar
from tests.core.properties import (
    ACTIVATIONS,
    GAMMA,
    NORMS,
    PROPERTY,
    _close,
    _extreme,
    _finite_or_zero,
    seeds,
)


@PROPERTY
@given(
    st.integers(1, 1000),
    st.integers(1, 4),
    st.sampled_from([1e-300, 1e-200, 0.1, 1.0, 3.0, 1e200, 1e300]),
    st.sampled_from(NORMS),
)
@example(1000, 3, 1e-300, "spectral")
def test_products_of_extreme_factors_stay_finite_in_log_space(T: int, d: int, factor: float, norm: Norm) -> None:
    """T factors of `factor` times an orthogonal matrix: log10 ||product of m|| = m log10 factor, never 0 or inf."""
    q = np.linalg.qr(np.random.default_rng(d).standard_normal((d, d)))[0]
    per_step = math.log10(factor)
    f = Factors(T, d, np.full(T, per_step), lambda t: q)
    decay = sweep.backward(f, norm, np.zeros(d), None, None)[0]
    offset = 0.0 if norm == "spectral" else 0.5 * math.log10(d)
    expected = (T - np.arange(T + 1)) * per_step + offset
    assert np.all(np.isfinite(decay))
    assert np.allclose(decay, expected, rtol=1e-9, atol=1e-9)
    rows = sample_steps(T, 16)
    heat = exact(f, norm, rows, rows).values
    for i, t in enumerate(rows):
        for j, k in enumerate(rows[: i + 1]):
            assert _close(float(heat[i, j]), (t - k) * per_step + offset, 1e-9), (t, k)
    line = power_line(T, per_step)
    assert np.all(np.isfinite(line)) and line[0] == T * per_step and line[-1] == 0.0
    logs = log10_abs(np.full(T, factor))
    assert math.isclose(float(np.sum(logs)), T * per_step, rel_tol=1e-12)


@PROPERTY
@given(
    activation=st.sampled_from(ACTIVATIONS),
    weight=_extreme(-10.0, 10.0),
    bias=_extreme(-10.0, 10.0),
    input_scale=_extreme(0.0, 10.0),
    h0=_extreme(-10.0, 10.0),
    T=st.integers(1, 200),
    seed=seeds,
    eps=_extreme(0.0, 0.99),
    horizon=st.integers(1, 100000),
)
def test_scalar_rnn_factors_add_up_and_stay_under_the_bound(
    activation: ActivationName,
    weight: float,
    bias: float,
    input_scale: float,
    h0: float,
    T: int,
    seed: int,
    eps: float,
    horizon: int,
) -> None:
    r = run_scalar(ScalarConfig(activation, weight, bias, input_scale, h0, T, seed, eps, horizon))
    for values in (r.log10_dphi, r.log10_factor, r.log10_running, r.decay, r.bound):
        _finite_or_zero(values)
    assert np.all(r.log10_dphi <= math.log10(GAMMA[activation]) + 1e-12)
    suffix = np.concatenate([np.cumsum(r.log10_factor[::-1])[::-1], [0.0]])  # log10 |dh_T/dh_k| added up here
    zero = suffix == -np.inf
    assert np.array_equal(r.decay == -np.inf, zero)
    assert np.allclose(r.decay[~zero], suffix[~zero], rtol=1e-9, atol=1e-9)
    finite = r.bound > -np.inf  # w = 0: every product over a step or more is exactly zero
    assert np.all(r.decay[~finite] == -np.inf)
    assert np.all(r.decay[finite] <= r.bound[finite] + 1e-9 * np.maximum(1.0, np.abs(r.bound[finite])))
    for key in ("log10_shrink", "log10_grow"):
        assert math.isfinite(r.compound[key]), r.compound


@PROPERTY
@given(
    layers=st.integers(1, 12),
    width=st.integers(1, 8),
    activation=st.sampled_from(ACTIVATIONS),
    init=st.sampled_from(["normal", "small", "xavier", "he", "orthogonal"]),
    batch_norm=st.booleans(),
    batch=st.integers(2, 8),
    input_scale=_extreme(0.0, 10.0),
    seed=seeds,
)
def test_feedforward_gradient_norms_are_finite_or_exact_zeros(**kwargs: Any) -> None:
    r = run_feedforward(FFConfig(**kwargs))
    for values in (r.log10_grad_h, r.log10_grad_w, r.log10_rms_h):
        _finite_or_zero(values)
    assert np.all((r.saturated_fraction >= 0) & (r.saturated_fraction <= 1))
