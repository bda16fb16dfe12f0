"""Vanilla RNN: local Jacobians, closed forms, the Pascanu bound, and extremes at T = 1000."""

import dataclasses

import numpy as np
import pytest

from core import RNNConfig, run_rnn
from core.cells import rnn
from core.explore import rnn_params
from tests import reference

ACTS = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]


@pytest.mark.parametrize("activation", ACTS)
def test_local_jacobian_matches_finite_differences(activation: str) -> None:
    rng = np.random.default_rng(1)
    n = 5
    p = rnn.RNNParams(
        rng.standard_normal((n, n)), rng.standard_normal((n, 3)), rng.standard_normal(n), np.zeros(n), activation
    )
    h, x = rng.standard_normal(n), rng.standard_normal(3)
    a = p.W @ h + p.U @ x + p.b
    assert np.min(np.abs(a)) > 1e-3  # away from the ReLU kink
    eps = 1e-6
    numeric = np.array([(rnn.step(p, h + eps * e, x) - rnn.step(p, h - eps * e, x)) / (2 * eps) for e in np.eye(n)]).T
    np.testing.assert_allclose(rnn.local_jacobian(p, a), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("init", ["gaussian", "orthogonal", "identity"])
def test_every_quantity_matches_complex_step_reference(activation: str, init: str) -> None:
    cfg = RNNConfig(activation=activation, init=init, hidden=4, steps=7, scale=1.3, input_scale=0.8, bias=0.1, seed=4)  # type: ignore[arg-type]
    r = run_rnn(cfg)
    w = r.arrays
    T = cfg.steps
    assert r.pairs is not None
    for t in range(T + 1):
        for k in range(t + 1):
            assert r.pairs.values[t, k] == pytest.approx(
                reference.log10_norm(reference.rnn_jacobian(w, activation, t, k)), abs=1e-9
            )
    for k in range(T + 1):
        jac = reference.rnn_jacobian(w, activation, T, k)
        assert r.decay[k] == pytest.approx(reference.log10_norm(jac), abs=1e-9)
        np.testing.assert_allclose(r.units[:, k], reference.log10_abs(w["u"] @ jac), atol=1e-9)


@pytest.mark.parametrize(("a", "n"), [(0.5, 1), (0.9, 4), (1.7, 3)])
def test_linear_scaled_identity_gives_a_to_the_k(a: float, n: int) -> None:
    cfg = RNNConfig(activation="linear", init="identity", scale=a, hidden=n, steps=30)
    r = run_rnn(cfg)
    k = np.arange(31)
    np.testing.assert_allclose(r.decay, (30 - k) * np.log10(a), rtol=1e-13, atol=1e-13)
    frob = run_rnn(dataclasses.replace(cfg, norm="frobenius"))
    np.testing.assert_allclose(frob.decay, (30 - k) * np.log10(a) + 0.5 * np.log10(n), rtol=1e-13, atol=1e-13)


def test_scalar_sigmoid_rnn_at_the_point_where_the_slope_is_a_quarter() -> None:
    # w h + b = 0 at h = 1/2 when b = -w/2: the state stays at 1/2, sigmoid' = 1/4, each factor is w/4.
    w, T = 3.0, 40
    p = rnn.RNNParams(np.array([[w]]), np.zeros((1, 1)), np.array([-w / 2]), np.array([0.5]), "sigmoid")
    trace = rnn.forward(p, np.zeros((T, 1)))
    np.testing.assert_allclose(trace.states[:, 0], 0.5)
    from tests.core.test_jacobian import decay as decay_of

    decay = decay_of(rnn.factors(p, trace))
    np.testing.assert_allclose(decay, (T - np.arange(T + 1)) * np.log10(w / 4), rtol=1e-14)


def test_identity_init_hidden_one_is_the_scalar_rnn() -> None:
    p, _ = rnn_params(RNNConfig(init="identity", hidden=1, scale=0.73))
    assert p.W.shape == (1, 1) and p.W[0, 0] == 0.73


def test_orthogonal_linear_keeps_every_singular_value_at_one() -> None:
    cfg = RNNConfig(activation="linear", init="orthogonal", scale=1.0, hidden=16, steps=200)
    p, _ = rnn_params(cfg)
    np.testing.assert_allclose(np.linalg.svd(p.W, compute_uv=False), 1.0, atol=1e-12)
    r = run_rnn(cfg, with_pairs=False)
    np.testing.assert_allclose(r.decay, 0.0, atol=1e-11)


@pytest.mark.parametrize(("a", "expected"), [(0.99, 0.0255), (1.01, 37.78)])
def test_one_percent_per_day_for_a_year(a: float, expected: float) -> None:
    r = run_rnn(RNNConfig(activation="linear", init="identity", scale=a, hidden=1, steps=365), with_pairs=False)
    assert 10 ** r.decay[0] == pytest.approx(expected, rel=1e-3)
    assert 10 ** r.decay[0] == pytest.approx(a**365, rel=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_pascanu_bound_holds_on_random_draws(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cfg = RNNConfig(
        activation=ACTS[seed % len(ACTS)],  # type: ignore[arg-type]
        init=["gaussian", "orthogonal", "identity"][seed % 3],  # type: ignore[arg-type]
        scale=float(rng.uniform(0.1, 6)),
        hidden=int(rng.integers(1, 20)),
        steps=int(rng.integers(5, 40)),
        input_scale=float(rng.uniform(0, 3)),
        seed=seed,
    )
    r = run_rnn(cfg)
    assert r.bound is not None and r.pairs is not None
    assert np.all(r.decay <= r.bound + 1e-9)
    t, k = np.tril_indices(cfg.steps + 1)
    assert np.all(r.pairs.values[t, k] <= (t - k) * r.summary["log10_bound_per_step"] + 1e-9)


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("scale", [0.05, 4.0, 10.0])
def test_thousand_steps_at_extreme_scales_stay_finite(activation: str, scale: float) -> None:
    cfg = RNNConfig(activation=activation, scale=scale, hidden=8, steps=1000, input_scale=1.0)  # type: ignore[arg-type]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        r = run_rnn(cfg, with_pairs=False)
    assert not np.any(np.isnan(r.decay)) and not np.any(np.isnan(r.units))
    if activation != "relu":  # a ReLU net can have every unit dead: an exact zero, -inf
        assert np.all(np.isfinite(r.decay))


def test_exploding_linear_state_keeps_exact_jacobians() -> None:
    # The state itself passes float64's range (4^1000); the Jacobian W^k must still be exact.
    cfg = RNNConfig(activation="relu", init="identity", scale=4.0, hidden=3, steps=1000, input_scale=1.0, bias=1.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        r = run_rnn(cfg, with_pairs=False)
    np.testing.assert_allclose(r.decay, (1000 - np.arange(1001)) * np.log10(4.0), rtol=1e-12)


def test_relu_with_zero_weights_is_an_exact_zero() -> None:
    r = run_rnn(RNNConfig(activation="relu", scale=0.0, input_scale=0.0, steps=5))
    assert r.decay[5] == pytest.approx(0.0) and np.all(r.decay[:5] == -np.inf)


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    a, b = run_rnn(RNNConfig(seed=7)), run_rnn(RNNConfig(seed=7))
    np.testing.assert_array_equal(a.decay, b.decay)
    c = run_rnn(RNNConfig(seed=8))
    assert not np.array_equal(a.decay, c.decay)


def test_longer_sequence_keeps_the_first_inputs_and_scale_rescales_the_same_matrix() -> None:
    short, long = rnn_params(RNNConfig(steps=10))[1], rnn_params(RNNConfig(steps=20))[1]
    np.testing.assert_array_equal(short, long[:10])
    w1, w2 = rnn_params(RNNConfig(scale=1.0))[0].W, rnn_params(RNNConfig(scale=2.0))[0].W
    np.testing.assert_allclose(w2, 2 * w1)
