"""Mean-field theory, the singular spectrum of dh_T/dh_0 and the rho-vs-sigma example: closed forms, independent
quadrature, high-dynamic-range products and the engine's own decay curves."""

import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss

from core import RNNConfig, run_rnn
from core.activations import ACTIVATIONS, LEAKY_SLOPE
from core.cells import rnn
from core.explore import rnn_params
from core.jacobian import Factors
from core.spectrum import singular_spectrum
from core.theory import chi_curve, edge_of_chaos, mean_field

ACTS = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]


def _factors(cfg: RNNConfig) -> Factors:
    p, x = rnn_params(cfg)
    return rnn.factors(p, rnn.forward(p, x))


def _linear_factors(W: np.ndarray, steps: int) -> Factors:
    n = W.shape[0]
    p = rnn.RNNParams(W, np.eye(n), np.zeros(n), np.zeros(n), "linear")
    return rnn.factors(p, rnn.forward(p, np.zeros((steps, n))))


# Mean field: closed forms


@pytest.mark.parametrize("scale", [0.0, 0.3, 0.99, 1.0, 2.5, 10.0])
def test_linear_chi_is_scale_squared(scale: float) -> None:
    mf = mean_field("linear", scale, 1.0, 0.5)
    assert mf.chi == pytest.approx(scale**2, rel=1e-15, abs=0)
    assert mf.log10_growth_per_step == (math.log10(scale) if scale > 0 else -math.inf)
    if scale < 1:  # q = scale^2 (bias^2 + q) + input^2
        assert mf.converged
        assert mf.q_star == pytest.approx((scale**2 * 0.25 + 1.0) / (1.0 - scale**2), rel=1e-12)
    else:  # critical (scale 1) and above: q_t grows without bound
        assert not mf.converged and mf.q_star == math.inf


@pytest.mark.parametrize(("name", "slope"), [("relu", 0.0), ("leaky_relu", LEAKY_SLOPE)])
@pytest.mark.parametrize("scale", [0.2, 1.0, 1.4, 1.5, 4.0, 10.0])
def test_relu_family_without_bias(name: str, slope: float, scale: float) -> None:
    half = (1.0 + slope**2) / 2  # E[phi'^2] and E[phi^2] / q for a centred gaussian
    mf = mean_field(name, scale, 0.7, 0.0)
    assert mf.chi == pytest.approx(scale**2 * half, rel=1e-14)
    assert mf.log10_growth_per_step == pytest.approx(0.5 * math.log10(scale**2 * half), abs=1e-14)
    if scale**2 * half < 1:
        assert mf.converged and mf.q_star == pytest.approx(0.49 / (1.0 - scale**2 * half), rel=1e-12)
    else:
        assert not mf.converged and mf.q_star == math.inf
    np.testing.assert_allclose(chi_curve(name, 0.7, 0.0, np.linspace(0, 10, 41)), np.linspace(0, 10, 41) ** 2 * half)


@pytest.mark.parametrize("scale", [0.3, 0.9, 1.0, 1.5, 7.0])
def test_tanh_without_input_or_bias_stays_at_zero(scale: float) -> None:
    # h_0 = 0, x = 0, b = 0: the state never leaves 0, phi'(0) = 1, J_t = W.
    mf = mean_field("tanh", scale, 0.0, 0.0)
    assert mf.q_star == 0.0 and mf.converged
    assert mf.chi == pytest.approx(scale**2, rel=1e-14)
    assert mf.log10_growth_per_step == pytest.approx(math.log10(scale), abs=1e-14)


_GH_Z, _GH_W = hermegauss(200)  # an independent rule: Gauss-Hermite, accurate while sqrt(q) <= 3


def _gauss_hermite_mean(f, mu: float, q: float) -> float:
    return float(np.sum(_GH_W * f(mu + math.sqrt(q) * _GH_Z)) / math.sqrt(2 * math.pi))


@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0, 3.0])
def test_sigmoid_fixed_point_against_independent_quadrature(scale: float) -> None:
    act = ACTIVATIONS["sigmoid"]
    q = 0.0  # q_1 = 0 with no input; q_2 = scale^2 / 4
    for _ in range(200):
        q = scale**2 * _gauss_hermite_mean(lambda a: act.phi(a) ** 2, 0.0, q)
    assert abs(scale**2 * _gauss_hermite_mean(lambda a: act.phi(a) ** 2, 0.0, q) - q) < 1e-14
    mf = mean_field("sigmoid", scale, 0.0, 0.0)
    assert mf.q_star == pytest.approx(q, rel=1e-10)
    assert mf.chi == pytest.approx(scale**2 * _gauss_hermite_mean(lambda a: act.dphi(a) ** 2, 0.0, q), rel=1e-10)


@pytest.mark.parametrize(
    ("name", "scale", "input_scale", "bias"),
    [("tanh", 1.3, 0.5, 0.4), ("tanh", 2.5, 1.0, -1.0), ("sigmoid", 2.0, 1.0, -2.0), ("tanh", 0.8, 0.01, 0.0)],
)
def test_bounded_fixed_point_is_the_limit_of_the_iteration(name: str, scale: float, input_scale: float, bias: float):
    def step(q: float) -> float:  # F(q) by a fine trapezoid rule in a itself (not in standard units)
        a = np.linspace(bias - 12 * math.sqrt(q), bias + 12 * math.sqrt(q), 24001)
        w = np.exp(-0.5 * (a - bias) ** 2 / q)
        return scale**2 * float(np.sum(w * ACTIVATIONS[name].phi(a) ** 2) / np.sum(w)) + input_scale**2

    q = step(input_scale**2)
    for _ in range(3000):
        q, previous = step(q), q
        if abs(q - previous) <= 1e-15 * q:
            break
    assert abs(step(q) - q) <= 1e-14 * q
    assert mean_field(name, scale, input_scale, bias).q_star == pytest.approx(q, rel=1e-9)


def test_relu_with_negative_bias_takes_the_low_fixed_point() -> None:
    # Two close roots of F(q) = q near q = 10 (the lower stable), then growth without bound: q_t stops at the first.
    def mean_relu_sq(mu: float, q: float) -> float:
        sd = math.sqrt(q)
        cdf, pdf = 0.5 * math.erfc(-mu / sd / math.sqrt(2)), math.exp(-0.5 * (mu / sd) ** 2) / math.sqrt(2 * math.pi)
        return (mu * mu + q) * cdf + mu * sd * pdf

    q = 9.0
    for _ in range(2000):
        q = 100.0 * mean_relu_sq(-8.0, q) + 9.0
    mf = mean_field("relu", 10.0, 3.0, -8.0)
    assert mf.converged and 10 < q < 11
    assert mf.q_star == pytest.approx(q, rel=1e-10)
    assert mf.chi == pytest.approx(100.0 * 0.5 * math.erfc(8.0 / math.sqrt(2 * q)), rel=1e-10)


def test_edge_of_chaos() -> None:
    assert edge_of_chaos("linear", 1.0, 0.3) == pytest.approx(1.0, abs=1e-12)
    assert edge_of_chaos("tanh", 0.0, 0.0) == pytest.approx(1.0, abs=1e-12)
    assert edge_of_chaos("relu", 1.0, 0.0) == pytest.approx(math.sqrt(2.0), abs=1e-12)
    assert edge_of_chaos("leaky_relu", 1.0, 0.0) == pytest.approx(math.sqrt(2.0 / (1 + LEAKY_SLOPE**2)), abs=1e-12)
    assert edge_of_chaos("sigmoid", 1.0, 0.0) is None  # phi' <= 1/4: chi < 1 over the whole slider range
    edge = edge_of_chaos("tanh", 1.0, 0.0)
    assert edge is not None and 1.0 < edge < 10.0
    assert mean_field("tanh", edge, 1.0, 0.0).chi == pytest.approx(1.0, abs=1e-12)
    assert mean_field("tanh", edge * (1 - 1e-6), 1.0, 0.0).chi < 1.0


def test_chi_curve_is_mean_field_elementwise() -> None:
    scales = np.array([[0.0, 0.5, 1.0], [2.0, 5.0, 10.0]])
    for name in ACTS:
        curve = chi_curve(name, 0.8, -0.5, scales)
        assert curve.shape == scales.shape
        expected = [[mean_field(name, s, 0.8, -0.5).chi for s in row] for row in scales]
        np.testing.assert_allclose(curve, expected, rtol=1e-9)  # the quadrature step follows the largest scale


@pytest.mark.parametrize("name", ACTS)
def test_mean_field_extremes_are_clean(name: str) -> None:
    # The test suite turns any RuntimeWarning (overflow, underflow to a warning, invalid value) into an error.
    for bias in (-10.0, 0.0, 10.0):
        for input_scale in (0.0, 1e-3, 10.0):
            for scale in (0.0, 1e-3, 10.0):
                mf = mean_field(name, scale, input_scale, bias)
                assert mf.q_star >= 0 and mf.chi >= 0 and not math.isnan(mf.log10_growth_per_step)
                assert mf.converged == math.isfinite(mf.q_star)
            assert np.all(np.isfinite(chi_curve(name, input_scale, bias, np.linspace(0, 10, 21))))
    with pytest.raises(ValueError, match="activation"):
        mean_field("softplus", 1.0, 1.0, 0.0)


# Mean field against the engine: the slope of log10 ||dh_T/dh_k||_2 over the far part of the decay curve.
# Measured over seeds 0-3 and n = 128, 256: |slope - 0.5 log10 chi| <= 0.014 (0.0108, 0.0084, 0.0135 at
# scale 0.5, 1, 2); the finite-n spread of the top Lyapunov exponent of a fixed W. Tolerance 0.04.
@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
def test_predicted_growth_matches_the_engine(scale: float) -> None:
    T = 200
    r = run_rnn(RNNConfig(hidden=256, steps=T, activation="tanh", scale=scale, input_scale=1.0, bias=0.0), False)
    lag = T - np.arange(T + 1)
    far = (lag >= 50) & (lag <= T)
    slope = np.polyfit(lag[far], r.decay[far], 1)[0]
    assert slope == pytest.approx(mean_field("tanh", scale, 1.0, 0.0).log10_growth_per_step, abs=0.04)


# Singular spectrum


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_spectrum_matches_svd_of_the_explicit_product(name: str, seed: int) -> None:
    cfg = RNNConfig(activation=name, hidden=6, steps=5, scale=1.3, input_scale=0.8, bias=0.1, seed=seed)  # type: ignore[arg-type]
    f = _factors(cfg)
    P = np.eye(6)
    for t in range(1, 6):
        P = 10 ** f.log10_scale[t - 1] * f.matrix(t) @ P
    sv = np.linalg.svd(P, compute_uv=False)
    got = singular_spectrum(f)
    assert got.shape == (6,) and np.all(got[:-1] >= got[1:])
    well = sv >= 1e-8 * sv[0]
    np.testing.assert_allclose(got[well], np.log10(sv[well]), rtol=0, atol=1e-9)


@pytest.mark.parametrize("steps", [1, 10, 1000])
def test_orthogonal_linear_product_is_an_isometry(steps: int) -> None:
    f = _factors(RNNConfig(activation="linear", init="orthogonal", scale=1.0, hidden=8, steps=steps, seed=3))
    np.testing.assert_allclose(singular_spectrum(f), 0.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("a", [0.05, 0.5, 3.0])
def test_scaled_identity(a: float) -> None:
    f = _factors(RNNConfig(activation="linear", init="identity", scale=a, hidden=5, steps=1000))
    np.testing.assert_allclose(singular_spectrum(f), 1000 * math.log10(a), rtol=1e-14, atol=0)


def test_diagonal_powers_far_outside_float_range() -> None:
    d = np.array([2.0, -0.1, 0.5, 1.3, 0.0, 1.0])
    got = singular_spectrum(_linear_factors(np.diag(d), 1000))
    with np.errstate(divide="ignore"):
        expected = np.sort(1000 * np.log10(np.abs(d)))[::-1]  # 0.1^1000 = 1e-1000 -> -1000; 0 -> -inf
    assert got[-1] == -np.inf
    np.testing.assert_allclose(got[:-1], expected[:-1], rtol=0, atol=1e-10)
    assert got[-2] == pytest.approx(-1000.0, abs=1e-10)


def test_small_singular_values_far_below_eps_sigma_max() -> None:
    # W = Q diag(d) Q^T: dh_T/dh_0 = Q diag(d^T) Q^T, singular values |d_i|^T from 1e35 down to 1e-400, reached
    # through dense QR steps. An SVD of the product could not see anything below 1e-16 * 1e35.
    q = np.linalg.qr(np.random.default_rng(5).standard_normal((5, 5)))[0]
    d = np.array([1.5, 1.0, 0.5, 0.1, 0.01])
    got = singular_spectrum(_linear_factors(q @ np.diag(d) @ q.T, 200))
    np.testing.assert_allclose(got, 200 * np.log10(d), rtol=0, atol=1e-9)


@pytest.mark.parametrize("scale", [4.0, 0.05])
def test_long_exploding_and_vanishing_runs_stay_finite(scale: float) -> None:
    cfg = RNNConfig(activation="tanh", hidden=32, steps=1000, scale=scale, seed=2)
    got = singular_spectrum(_factors(cfg))
    assert np.all(np.isfinite(got)) and np.all(got[:-1] >= got[1:])
    assert got[0] - got[-1] > 1000  # spread far beyond float range
    # The top value is the engine's own spectral norm of dh_T/dh_0 (power iteration, RTOL 1e-9).
    assert got[0] == pytest.approx(run_rnn(cfg, with_pairs=False).decay[0], abs=1e-8)


def test_dead_relu_units_give_exact_zeros() -> None:
    # One live unit at some step makes dh_T/dh_0 rank one.
    f = _factors(RNNConfig(activation="relu", hidden=8, steps=60, scale=1.0, seed=2))
    got = singular_spectrum(f)
    assert np.isfinite(got[0]) and np.all(got[1:] == -np.inf)


# rho vs sigma_max
