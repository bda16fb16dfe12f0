"""Optimiser steps against hand-written updates, and the two clippings with the Inf/NaN random step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.training.optim import OPTIMIZERS, Optimizer, clip

GRADS = [np.array([0.5, -2.0, 0.0]), np.array([1.0, 1.0, -3.0]), np.array([-0.25, 4.0, 2.0])]
START = np.array([1.0, -1.0, 0.5])
LR = 0.1


def _by_hand(name: str) -> list[np.ndarray]:
    """The parameters after each of three steps, written out entry by entry with scalars."""
    out = []
    theta = [float(v) for v in START]
    m = [0.0] * 3
    s = [0.0] * 3
    for t, g in enumerate(GRADS, start=1):
        for j in range(3):
            gj = float(g[j])
            if name == "sgd":
                theta[j] = theta[j] - LR * gj
            elif name == "momentum":
                m[j] = 0.9 * m[j] - LR * gj
                theta[j] = theta[j] + m[j]
            elif name == "nesterov":
                m[j] = 0.9 * m[j] + gj
                theta[j] = theta[j] - LR * (gj + 0.9 * m[j])
            elif name == "adagrad":
                s[j] = s[j] + gj * gj
                theta[j] = theta[j] - LR * gj / (math.sqrt(s[j]) + 1e-8)
            elif name == "rmsprop":
                s[j] = 0.9 * s[j] + 0.1 * gj * gj
                theta[j] = theta[j] - LR * gj / (math.sqrt(s[j]) + 1e-8)
            else:
                m[j] = 0.9 * m[j] + 0.1 * gj
                s[j] = 0.999 * s[j] + 0.001 * gj * gj
                mhat, shat = m[j] / (1 - 0.9**t), s[j] / (1 - 0.999**t)
                theta[j] = theta[j] - LR * mhat / (math.sqrt(shat) + 1e-8)
        out.append(np.array(theta))
    return out


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_step_matches_the_textbook_update(name: str) -> None:
    params = {"w": START.copy()}
    opt = Optimizer(name, LR, params)  # type: ignore[arg-type]
    for g, expected in zip(GRADS, _by_hand(name), strict=True):
        opt.step(params, {"w": g})
        np.testing.assert_allclose(params["w"], expected, rtol=1e-14, atol=1e-15)


def test_adam_first_step_moves_every_weight_by_lr() -> None:
    """Bias correction makes Adam's first step lr * sign(g), whatever the gradient's size (well above eps)."""
    params = {"w": np.zeros(3)}
    Optimizer("adam", 0.01, params).step(params, {"w": np.array([1e-3, -5.0, 300.0])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01, -0.01], rtol=1e-4)


def test_norm_clipping_keeps_the_direction() -> None:
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    out = clip(g, "norm", 1.0, np.random.default_rng(0))
    assert out.clipped and not out.random
    np.testing.assert_allclose(out.grads["a"], [0.6, 0.0])
    np.testing.assert_allclose(out.grads["b"], [[0.8]])
    same = clip(g, "norm", 5.0, np.random.default_rng(0))
    assert not same.clipped and same.grads["a"] is g["a"]


def test_norm_clipping_of_a_huge_finite_gradient() -> None:
    out = clip({"a": np.array([1e300, 1e300])}, "norm", 2.0, np.random.default_rng(0))
    np.testing.assert_allclose(out.grads["a"], [np.sqrt(2.0), np.sqrt(2.0)])


def test_value_clipping_is_elementwise() -> None:
    g = {"a": np.array([3.0, -0.5, -7.0])}
    out = clip(g, "value", 1.0, np.random.default_rng(0))
    assert out.clipped
    np.testing.assert_array_equal(out.grads["a"], [1.0, -0.5, -1.0])
    assert not clip(g, "value", 10.0, np.random.default_rng(0)).clipped


@pytest.mark.parametrize("method", ["norm", "value"])
def test_inf_or_nan_gradient_takes_a_seeded_random_step_of_norm_v(method: str) -> None:
    g = {"a": np.array([np.inf, 1.0]), "b": np.array([[np.nan, 2.0], [0.0, 1.0]])}
    one = clip(g, method, 0.5, np.random.default_rng(3))  # type: ignore[arg-type]
    two = clip(g, method, 0.5, np.random.default_rng(3))  # type: ignore[arg-type]
    assert one.random and one.clipped
    norm = np.sqrt(sum(np.sum(v**2) for v in one.grads.values()))
    assert norm == pytest.approx(0.5, rel=1e-12)
    for k in g:
        np.testing.assert_array_equal(one.grads[k], two.grads[k])


def test_no_clipping_passes_everything_through() -> None:
    g = {"a": np.array([np.nan, 1e10])}
    out = clip(g, "none", 1.0, np.random.default_rng(0))
    assert out.grads is g and not out.clipped and not out.random
