"""Invariants of the core on random small runs (hypothesis, derandomized): log norms finite or exact zeros,
the Pascanu bound, products that compose step by step, closed forms, and log-space that never overflows.

The per-step Jacobians are recomputed here from the run's own arrays, independently of the core: the RNN's in
closed form, diag(phi'(a_t)) W, the LSTM's and GRU's by complex step (tests/reference*.py). Products are
multiplied out here in log space (a matrix of max |entry| 1 and a log10 scale), so extreme runs stay finite.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import GRUConfig, LSTMConfig, RNNConfig, run_gru, run_lstm, run_rnn, sweep
from core.config import ActivationName
from core.feedforward import FFConfig, run_feedforward
from core.jacobian import Factors
from core.logmath import log10_abs, power_line
from core.norms import Norm
from core.pairs import exact, sample_steps
from core.scalar import ScalarConfig, run_scalar
from tests import reference, reference_gru

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)
TOL = 1e-7  # log10: a relative error of 2e-7 between two computations of one norm
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "leaky_relu": 1.0, "linear": 1.0}
ACTIVATIONS: list[ActivationName] = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
NORMS: list[Norm] = ["spectral", "frobenius"]


def _extreme(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Any float in [lo, hi], the ends and tiny magnitudes (subnormals included) drawn often."""
    ends = [lo, hi, 0.0, 5e-324, 1e-300, 1e-8] if lo <= 0 else [lo, hi]
    return st.one_of(st.sampled_from([v for v in ends if lo <= v <= hi]), st.floats(lo, hi))


hidden = st.integers(1, 8)
steps = st.integers(1, 30)
seeds = st.integers(0, 2**32 - 1)
rnn_configs = st.builds(
    RNNConfig,
    activation=st.sampled_from(ACTIVATIONS),
    scale=_extreme(0.0, 10.0),
    init=st.sampled_from(["gaussian", "orthogonal", "identity"]),
    hidden=hidden,
    steps=steps,
    input_scale=_extreme(0.0, 10.0),
    bias=_extreme(-10.0, 10.0),
    seed=seeds,
    norm=st.sampled_from(NORMS),
)


# --- products multiplied out here, in log space ---------------------------------------------------------------


def _log_products(mats: list[tuple[np.ndarray, float]]) -> dict[tuple[int, int], tuple[np.ndarray, float]]:
    """(t, k) -> dh_t/dh_k as (matrix with max |entry| 1 or all 0, log10 scale), from J_t = 10**s_t M_t, t = 1..T."""
    d = mats[0][0].shape[0] if mats else 1
    out: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
    for k in range(len(mats) + 1):
        p, s = np.eye(d), 0.0
        out[(k, k)] = (p, s)
        for t in range(k + 1, len(mats) + 1):
            m, sm = mats[t - 1]
            p = m @ p
            peak = float(np.max(np.abs(p)))
            if peak == 0.0 or s == -math.inf:
                p, s = np.zeros((d, d)), -math.inf
            else:
                p, s = p / peak, s + sm + math.log10(peak)
            out[(t, k)] = (p, s)
    return out


def _log_norm(p: np.ndarray, s: float, norm: Norm) -> float:
    value = float(np.linalg.norm(p, 2 if norm == "spectral" else "fro"))
    return s + math.log10(value) if value > 0 and s > -math.inf else -math.inf


def _scaled(j: np.ndarray) -> tuple[np.ndarray, float]:
    peak = float(np.max(np.abs(j)))
    return (j / peak, math.log10(peak)) if peak > 0 else (np.zeros_like(j), -math.inf)


def _log_dphi(activation: str, a: np.ndarray) -> np.ndarray:
    """Natural log of phi'(a), written from the derivatives (no underflow): -inf where phi' = 0."""
    m = np.abs(a)
    if activation == "tanh":  # 1 - tanh^2 = 4 e^{-2m} / (1 + e^{-2m})^2
        return np.log(4.0) - 2.0 * m - 2.0 * np.log1p(np.exp(-2.0 * m))
    if activation == "sigmoid":  # s (1 - s) = e^{-m} / (1 + e^{-m})^2
        return -m - 2.0 * np.log1p(np.exp(-m))
    if activation == "linear":
        return np.zeros_like(a)
    slope = 0.0 if activation == "relu" else 0.01
    with np.errstate(divide="ignore"):
        return np.where(a > 0, 0.0, np.log(slope))


def _rnn_steps(cfg: RNNConfig, w: dict[str, np.ndarray]) -> list[tuple[np.ndarray, float]]:
    """J_t = diag(phi'(a_t)) W, t = 1..T, from the run's arrays and a forward pass written here."""
    phi = reference.PHI[cfg.activation]
    h, out = w["h0"], []
    drive = w["x"] @ w["U"].T + w["b"]
    W, s_w = _scaled(w["W"])  # scaled up first: a subnormal W would lose its digits in the products
    for t in range(cfg.steps):
        a = w["W"] @ h + drive[t]
        h = np.asarray(phi(a), dtype=float)
        log_d = _log_dphi(cfg.activation, a)
        top = float(np.max(log_d))
        if top == -math.inf or s_w == -math.inf:
            out.append((np.zeros_like(W), -math.inf))
        else:
            m, s = _scaled(np.exp(log_d - top)[:, None] * W)
            out.append((m, s + s_w + top / math.log(10.0)))
    return out


def _finite_or_zero(values: np.ndarray) -> None:
    """No NaN, no +inf: a log10 magnitude is finite or -inf (an exact zero)."""
    assert not np.any(np.isnan(values)), values
    assert not np.any(values == np.inf), values


def _lower(values: np.ndarray) -> np.ndarray:
    """The k <= t part of a full (T+1, T+1) heatmap."""
    return values[np.tril_indices(values.shape[0])]


def _close(a: float, b: float, tol: float = TOL) -> bool:
    return (a == b == -math.inf) or abs(a - b) <= tol * max(1.0, abs(b))


def _submultiplicative(v: np.ndarray, t: int, j: int, k: int) -> bool:
    """log10 ||P_tk|| <= log10 ||P_tj|| + log10 ||P_jk|| (an exact zero factor makes the product zero)."""
    right = float(v[t, j] + v[j, k])
    if right == -math.inf:
        return bool(v[t, k] == -np.inf)
    return bool(v[t, k] <= right + TOL * max(1.0, abs(float(v[t, j])) + abs(float(v[j, k]))))


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


# --- log space, the scalar RNN and deep feed-forward nets --------------------------------------------------------


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
