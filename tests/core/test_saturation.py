"""The pre-activation histogram and the saturated / zero fractions."""

import numpy as np
import pytest

from core import RNNConfig
from core.cells import rnn
from core.explore import rnn_params
from core.saturation import EDGES, SATURATED, preactivations


def test_counts_every_value_once_and_fractions_match_a_direct_count() -> None:
    rng = np.random.default_rng(0)
    pre = rng.normal(0, 5, size=(40, 7))
    h = preactivations("tanh", pre)
    assert h.counts.sum() + h.below + h.above == pre.size
    dphi = 1 - np.tanh(pre) ** 2
    assert h.saturated_fraction == pytest.approx(np.mean(dphi < SATURATED), abs=1e-12)
    assert h.zero_fraction == 0.0
    np.testing.assert_array_equal(h.counts, np.histogram(pre, bins=EDGES)[0])


def test_relu_zero_fraction_is_the_negative_side() -> None:
    pre = np.array([[-1.0, 0.0, 2.0, -3.0]])
    h = preactivations("relu", pre)
    assert h.zero_fraction == pytest.approx(0.75)  # phi'(0) = 0 as well
    assert h.saturated_fraction == pytest.approx(0.75)


def test_exploded_linear_run_lands_beyond_the_edges() -> None:
    cfg = RNNConfig(activation="linear", scale=10.0, hidden=8, steps=1000)
    p, x = rnn_params(cfg)
    trace = rnn.forward(p, x)
    assert trace.pre_log2.max() > 0
    with np.errstate(all="raise"):
        h = preactivations("linear", trace.pre, trace.pre_log2)
    assert h.below + h.above > 0.9 * trace.pre.size
    assert h.counts.sum() + h.below + h.above == trace.pre.size
