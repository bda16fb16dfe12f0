"""The merged backward sweep gives the same numbers as the decay, unit and estimate passes on their own."""

import numpy as np
import pytest

from core import LSTMConfig, RNNConfig, explore, jacobian, pairs, sweep, weights
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
def test_merged_sweep_equals_separate_passes(model: str, n: int, T: int, norm: str) -> None:
    f = _factors(model, n, T)
    u = weights.probe(1, f.dim)
    steps = pairs.sample_steps(T)
    decay, units, est = sweep.backward(f, norm, u, steps, steps)  # type: ignore[arg-type]
    np.testing.assert_allclose(decay, jacobian.decay(f, norm), atol=1e-9)  # type: ignore[arg-type]
    np.testing.assert_allclose(units, jacobian.units(f, u), atol=1e-8)
    assert est is not None
    np.testing.assert_allclose(est.values, pairs.estimate(f, steps, steps).values, atol=1e-9)


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
