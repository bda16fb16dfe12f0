"""Rows stacked in one sweep do not disturb each other: together they give what each gives alone."""

from typing import Any

import numpy as np
import pytest

from core import LSTMConfig, RNNConfig, explore, pairs, sweep, weights
from core.cells import lstm, rnn
from core.jacobian import Factors


def _factors(model: str, n: int, T: int) -> Factors:
    if model == "rnn":
        p, x = explore.rnn_params(RNNConfig(hidden=n, steps=T, scale=1.3))
        return rnn.factors(p, rnn.forward(p, x))
    q, x = explore.lstm_params(LSTMConfig(hidden=n, steps=T, scale=1.3))
    return lstm.factors(q, lstm.forward(q, x))


@pytest.mark.parametrize(
    ("model", "n", "T"), [("rnn", 5, 40), ("rnn", 60, 30), ("lstm", 4, 40), ("lstm", 30, 20), ("rnn", 3, 400)]
)
@pytest.mark.parametrize("norm", ["spectral", "frobenius"])
def test_rows_together_equal_rows_alone(model: str, n: int, T: int, norm: Any) -> None:
    f = _factors(model, n, T)
    u = weights.probe(1, f.dim)
    steps = pairs.sample_steps(T)
    decay, units, est = sweep.backward(f, norm, u, steps, steps)
    np.testing.assert_allclose(decay, sweep.backward(f, norm, np.zeros(f.dim), None, None)[0], atol=1e-9)
    np.testing.assert_allclose(units, sweep.backward(f, norm, u, None, None, with_decay=False)[1], atol=1e-8)
    alone = sweep.backward(f, norm, np.zeros(f.dim), steps, steps, with_decay=False)[2]
    assert est is not None and alone is not None
    np.testing.assert_allclose(est.values, alone.values, atol=1e-9)
    assert np.all(np.isnan(sweep.backward(f, norm, u, None, None, with_decay=False)[0]))


def test_without_heatmap_rows() -> None:
    f = _factors("rnn", 4, 10)
    decay, units, est = sweep.backward(f, "spectral", np.ones(4), None, None)
    assert est is None and decay.shape == (11,) and units.shape == (4, 11)


def test_zero_jacobians_give_minus_infinity() -> None:
    f = Factors(3, 2, np.zeros(3), lambda t: np.zeros((2, 2)))
    steps = pairs.sample_steps(3)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        decay, units, est = sweep.backward(f, "spectral", np.ones(2), steps, steps)
    assert decay[3] == pytest.approx(0.0) and np.all(decay[:3] == -np.inf)
    assert np.all(units[:, :3] == -np.inf)
    assert est is not None and np.all(est.values[np.tril_indices(4, -1)] == -np.inf)
