"""Activation derivatives: finite differences, closed forms, and no underflow deep in the tails."""

import numpy as np
import pytest

from core.activations import ACTIVATIONS, curve, log_sigmoid, sigmoid

POINTS = np.array([-3.1, -1.2, -0.4, 0.3, 0.9, 2.7])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_central_difference(name: str) -> None:
    act = ACTIVATIONS[name]
    eps = 1e-6
    numeric = (act.phi(POINTS + eps) - act.phi(POINTS - eps)) / (2 * eps)
    np.testing.assert_allclose(act.dphi(POINTS), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "gamma"), [("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0), ("leaky_relu", 1.0), ("linear", 1.0)]
)
def test_gamma_is_sup_of_derivative(name: str, gamma: float) -> None:
    act = ACTIVATIONS[name]
    grid = np.linspace(-20, 20, 400001)
    assert act.gamma == gamma
    assert np.max(act.dphi(grid)) == pytest.approx(gamma, rel=1e-9)


def test_sigmoid_derivative_is_quarter_at_zero() -> None:
    assert ACTIVATIONS["sigmoid"].dphi(np.array(0.0)) == 0.25


def test_log_derivatives_deep_in_tails_are_finite_and_exact() -> None:
    # 1 - tanh(a)^2 rounds to 0 for |a| > 19; the log form keeps the true value.
    a = np.array([30.0, -30.0, 300.0])
    np.testing.assert_allclose(ACTIVATIONS["tanh"].log_dphi(a), np.log(4.0) - 2 * np.abs(a), rtol=1e-15)
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].log_dphi(np.array([700.0])), [-700.0], rtol=1e-15)
    assert 1.0 - np.tanh(30.0) ** 2 == 0.0  # the naive form really does fail here


def test_sigmoid_and_log_sigmoid_are_stable() -> None:
    a = np.array([-800.0, -10.0, 0.0, 10.0, 800.0])
    s = sigmoid(a)
    assert np.all(np.isfinite(s)) and s[2] == 0.5
    np.testing.assert_allclose(log_sigmoid(np.array([-800.0])), [-800.0])
    np.testing.assert_allclose(np.exp(log_sigmoid(a[1:4])), s[1:4], rtol=1e-15)


def test_relu_family_derivatives() -> None:
    a = np.array([-2.0, 0.0, 2.0])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].dphi(a), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].dphi(a), [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(ACTIVATIONS["linear"].dphi(a), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_drawn_curve_has_the_derivative_and_its_supremum(name: str) -> None:
    c = curve(name)
    a, phi, dphi = c["a"], c["phi"], c["dphi"]
    slope = np.gradient(phi, a)
    smooth = np.abs(a) > 0.1  # away from the kink of (leaky) ReLU
    np.testing.assert_allclose(dphi[smooth][1:-1], slope[smooth][1:-1], atol=2e-3)
    assert np.max(dphi) == pytest.approx(ACTIVATIONS[name].gamma, rel=1e-12)
