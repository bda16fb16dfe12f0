"""Every registered cell keeps the same contract: its fast structured products equal the dense Jacobian."""

from collections.abc import Callable

import numpy as np
import pytest

from core import GRUConfig, LSTMConfig, RNNConfig, explore
from core.cells import CELLS
from core.jacobian import Factors


def _rnn() -> Factors:
    p, x = explore.rnn_params(RNNConfig(hidden=5, steps=6, scale=1.7, activation="sigmoid", bias=0.3))
    return CELLS["rnn"].factors(p, CELLS["rnn"].forward(p, x))


def _lstm() -> Factors:
    p, x = explore.lstm_params(LSTMConfig(hidden=4, steps=6, scale=1.7, forget_bias=0.5))
    return CELLS["lstm"].factors(p, CELLS["lstm"].forward(p, x))


def _peephole_lstm() -> Factors:
    p, x = explore.lstm_params(LSTMConfig(hidden=4, steps=6, scale=1.7, forget_bias=0.5, peephole=True, coupled=True))
    return CELLS["lstm"].factors(p, CELLS["lstm"].forward(p, x))


def _gru() -> Factors:
    p, x = explore.gru_params(GRUConfig(hidden=8, steps=6, scale=1.7, update_bias=0.5))
    return CELLS["gru"].factors(p, CELLS["gru"].forward(p, x))


EXAMPLES: dict[str, Callable[[], Factors]] = {"rnn": _rnn, "lstm": _lstm, "gru": _gru}
VARIANTS = {**EXAMPLES, "lstm-peephole-coupled": _peephole_lstm}


def test_every_registered_cell_has_an_example_here() -> None:
    assert set(CELLS) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_structured_products_equal_dense_ones(name: str) -> None:
    f = VARIANTS[name]()
    rng = np.random.default_rng(0)
    for t in range(1, f.steps + 1):
        J = f.matrix(t)
        assert J.shape == (f.dim, f.dim)
        p = rng.standard_normal((3, f.dim))
        out = np.empty_like(p)
        f.right(p, t, out)
        np.testing.assert_allclose(out, p @ J, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f.right_t(p, t), p @ J.T, rtol=1e-12, atol=1e-12)
