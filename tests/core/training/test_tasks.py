"""The two tasks: where the information sits, the targets, and the baselines they promise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.training import tasks


@pytest.mark.parametrize("lag", [2, 3, 10, 51])
def test_adding_marks_one_step_in_each_half(lag: int) -> None:
    b = tasks.batch("adding", lag, 500, np.random.default_rng(lag))
    assert b.x.shape == (lag, 500, 2)
    marks = b.x[:, :, 1]
    assert np.all(marks.sum(axis=0) == 2)
    first = np.argmax(marks, axis=0) + 1  # 1-based steps
    far = tasks.far_from(lag, lag)
    assert np.all(first <= far) and np.all(lag - first >= lag / 2)  # the first marker is always far
    second = lag - np.argmax(marks[::-1], axis=0)
    assert np.all(second > lag // 2)
    np.testing.assert_allclose(b.target, (b.x[:, :, 0] * marks).sum(axis=0))


def test_adding_baselines() -> None:
    b = tasks.batch("adding", 40, 200_000, np.random.default_rng(0))
    info = tasks.info("adding", 40)
    assert np.mean((b.target - 1.0) ** 2) == pytest.approx(info.baseline_loss, rel=0.02)
    near = (b.x[20:, :, 0] * b.x[20:, :, 1]).sum(axis=0) + 0.5  # the second-half value plus the mean of the other
    assert np.mean((b.target - near) ** 2) == pytest.approx(info.near_only_loss, rel=0.02)
    loss, grad, acc = tasks.loss("adding", np.ones((b.target.size, 1)), b.target)
    assert loss == pytest.approx(1 / 6, rel=0.02) and acc is None and grad.shape == (b.target.size, 1)


def test_recall_shows_the_symbol_then_noise() -> None:
    b = tasks.batch("recall", 30, 1000, np.random.default_rng(1))
    info = tasks.info("recall", 30)
    assert b.x.shape == (31, 1000, tasks.SYMBOLS) and info.steps == 31
    np.testing.assert_array_equal(np.argmax(b.x[0], axis=1), b.target)
    np.testing.assert_array_equal(b.x[0].sum(axis=1), 1.0)
    assert b.x[1:].std() == pytest.approx(tasks.NOISE, rel=0.05)
    assert tasks.far_from(30, 31) == 16  # steps 1..16 are >= 15 steps from the answer
    loss, _, acc = tasks.loss("recall", np.zeros((1000, tasks.SYMBOLS)), b.target)
    assert loss == pytest.approx(math.log(tasks.SYMBOLS)) and info.baseline_loss == pytest.approx(loss)
    assert acc is not None and info.chance_accuracy == 0.25


def test_same_generator_state_gives_the_same_batch() -> None:
    one = tasks.batch("recall", 5, 4, np.random.default_rng(9))
    two = tasks.batch("recall", 5, 4, np.random.default_rng(9))
    np.testing.assert_array_equal(one.x, two.x)
    np.testing.assert_array_equal(one.target, two.target)
