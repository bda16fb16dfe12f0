"""Activation functions, their derivatives, and log-derivatives that never underflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
LEAKY_SLOPE = 0.01
_LOG4 = np.log(4.0)


def _sigmoid(a: Array) -> Array:
    # exp of a non-positive number only: no overflow for any a.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _log_dsigmoid(a: Array) -> Array:
    # log s'(a) = -|a| - 2 log(1 + e^-|a|)
    m = np.abs(a)
    return -m - 2.0 * np.log1p(np.exp(-m))


def _log_dtanh(a: Array) -> Array:
    # tanh'(a) = 4 e^{-2|a|} / (1 + e^{-2|a|})^2; 1 - tanh^2 rounds to 0 past |a| ~ 19.
    m = 2.0 * np.abs(a)
    return _LOG4 - m - 2.0 * np.log1p(np.exp(-m))


def _piecewise_log(slope_neg: float) -> Callable[[Array], Array]:
    log_neg = np.log(slope_neg) if slope_neg > 0 else -np.inf

    def log_d(a: Array) -> Array:
        return np.where(a > 0, 0.0, log_neg)

    return log_d


@dataclass(frozen=True)
class Activation:
    """phi, its natural-log derivative log phi'(a), and gamma = sup phi'."""

    name: str
    phi: Callable[[Array], Array]
    log_dphi: Callable[[Array], Array]
    gamma: float
    # phi(c a) = c phi(a) for c > 0: the forward pass may then be carried rescaled.
    homogeneous: bool

    def dphi(self, a: Array) -> Array:
        """phi'(a); may underflow to 0 far in a saturated tail (use log_dphi there)."""
        return np.exp(self.log_dphi(np.asarray(a, dtype=float)))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", np.tanh, _log_dtanh, 1.0, False),
    "sigmoid": Activation("sigmoid", _sigmoid, _log_dsigmoid, 0.25, False),
    "relu": Activation("relu", lambda a: np.maximum(a, 0.0), _piecewise_log(0.0), 1.0, True),
    "leaky_relu": Activation(
        "leaky_relu",
        lambda a: np.where(a > 0, a, LEAKY_SLOPE * a),
        _piecewise_log(LEAKY_SLOPE),
        1.0,
        True,
    ),
    "linear": Activation(
        "linear", lambda a: np.asarray(a, dtype=float), lambda a: np.zeros_like(a, dtype=float), 1.0, True
    ),
}

sigmoid = _sigmoid
log_sigmoid_derivative = _log_dsigmoid
log_tanh_derivative = _log_dtanh


def log_sigmoid(a: Array) -> Array:
    """log sigmoid(a) = -log(1 + e^-a), finite for any finite a."""
    return -np.logaddexp(0.0, -np.asarray(a, dtype=float))


def curve(name: str, lo: float = -8.0, hi: float = 8.0, points: int = 321) -> dict[str, np.ndarray]:
    """phi and phi' of one activation on an even grid of a, for drawing (a, phi, dphi: (points,) each)."""
    act = ACTIVATIONS[name]
    a = np.linspace(lo, hi, points)
    return {"a": a, "phi": np.asarray(act.phi(a), dtype=float), "dphi": act.dphi(a)}
