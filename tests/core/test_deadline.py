"""The cooperative time limit: every long loop of the core stops once it has passed, and only inside it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from core import GRUConfig, LSTMConfig, RNNConfig, deadline, run_gru, run_lstm, run_rnn
from core import cliff as k
from core import feedforward as ff
from core.nearfar import run_nearfar
from core.spectrum import run_spectra

# A limit that has passed by the first check: each computation must stop with DeadlineExceeded.
PASSED = 1e-9

COMPUTATIONS: dict[str, Callable[[], Any]] = {
    "rnn": lambda: run_rnn(RNNConfig(hidden=32, steps=200)),
    "lstm": lambda: run_lstm(LSTMConfig(hidden=16, steps=100)),
    "gru": lambda: run_gru(GRUConfig(hidden=16, steps=100)),
    "nearfar": lambda: run_nearfar(RNNConfig(hidden=16, steps=100)),
    "spectrum": lambda: run_spectra(RNNConfig(hidden=16, steps=100)),
    "feedforward": lambda: ff.run_feedforward(ff.FFConfig(layers=20, width=32, batch=8)),
    "cliff": lambda: k.surface(k.CliffConfig(resolution=21, steps=50)),
    "descent": lambda: k.descents(k.CliffConfig(iterations=50, steps=50)),
}


@pytest.mark.parametrize("name", list(COMPUTATIONS))
def test_each_computation_stops_at_a_passed_limit(name: str) -> None:
    with deadline.limit(PASSED), pytest.raises(deadline.DeadlineExceeded) as e:
        COMPUTATIONS[name]()
    assert e.value.seconds == PASSED
    assert "time limit" in str(e.value)


@pytest.mark.parametrize("name", ["rnn", "cliff"])
def test_a_generous_limit_changes_nothing(name: str) -> None:
    free = COMPUTATIONS[name]()
    with deadline.limit(600.0):
        limited = COMPUTATIONS[name]()
    a = free.decay if name == "rnn" else free.log10_norm
    b = limited.decay if name == "rnn" else limited.log10_norm
    np.testing.assert_array_equal(a, b)


def test_no_limit_outside_the_block_and_none_means_none() -> None:
    deadline.check()
    assert deadline.remaining() is None
    with deadline.limit(None):
        deadline.check()
        assert deadline.remaining() is None
    with deadline.limit(PASSED):
        with pytest.raises(deadline.DeadlineExceeded):
            deadline.check()
        with deadline.limit(600.0):  # an inner limit replaces the outer one, and the outer comes back after it
            deadline.check()
            remaining = deadline.remaining()
            assert remaining is not None and 0 < remaining <= 600.0
        with pytest.raises(deadline.DeadlineExceeded):
            deadline.check()
    deadline.check()
    assert deadline.remaining() is None


def test_a_limit_does_not_reach_other_threads() -> None:
    seen: list[BaseException | None] = []

    def other() -> None:
        try:
            deadline.check()
            seen.append(None)
        except deadline.DeadlineExceeded as e:
            seen.append(e)

    with deadline.limit(PASSED):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [None]


def test_the_limit_counts_compute_not_waiting() -> None:
    """Sleeping (as a request waiting for a core does) uses no CPU time; computing does."""
    with deadline.limit(0.05):
        time.sleep(0.1)
        deadline.check()  # the wall clock passed the limit, the thread's CPU time did not
        remaining = deadline.remaining()
        assert remaining is not None and remaining > 0
        x = 0
        with pytest.raises(deadline.DeadlineExceeded):
            for _ in range(10**9):  # burns CPU until the limit stops it
                x += 1
                deadline.check()
        assert 0 < x < 10**9
