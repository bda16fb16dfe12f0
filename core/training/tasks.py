"""Long-range tasks with a lag L: the adding problem and recall-the-first-symbol.

Every minibatch is fresh, drawn from the generator passed in; a sequence is x (T, B, n_in) read by the
model step by step, and the model answers once, after the last step.

adding (Hochreiter & Schmidhuber 1997; the variant of Le et al. 2015): T = L steps of two channels, a value
    U(0, 1) and a marker. Exactly two steps are marked, one in the first half (distance from the answer
    >= L/2) and one in the second; the target is the sum of the two marked values, the loss the mean squared
    error. Always answering 1 (the mean) scores Var = 1/6 ~ 0.167; using the near marker alone (answering
    its value + 0.5) scores 1/12 ~ 0.083.
recall: T = L + 1 steps of K one-hot channels. Step 1 shows one of K symbols, the next L steps only noise
    N(0, NOISE^2) on every channel; the model names the first symbol (softmax over K, cross-entropy).
    Chance is 1/K, a cross-entropy of ln K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

TaskName = Literal["adding", "recall"]
TASKS: tuple[TaskName, ...] = ("adding", "recall")
SYMBOLS = 4  # K of the recall task
NOISE = 0.1  # standard deviation of the recall task's filler steps


@dataclass(frozen=True)
class Batch:
    """One minibatch: inputs and the answer expected after the last step."""

    x: np.ndarray  # (T, B, n_in)
    target: np.ndarray  # (B,) float sums (adding) or int symbols (recall)


@dataclass(frozen=True)
class TaskInfo:
    """What a task looks like to a model, and what doing nothing useful scores."""

    steps: int  # T
    inputs: int  # n_in
    outputs: int  # 1 (a number) or K (logits)
    baseline_loss: float  # the loss of the best constant answer
    near_only_loss: float | None  # adding: the loss of a model that uses only the near marker
    chance_accuracy: float | None  # recall: 1/K


def info(task: TaskName, lag: int) -> TaskInfo:
    """Sizes and baselines of a task at lag L."""
    if task == "adding":
        return TaskInfo(lag, 2, 1, 1.0 / 6.0, 1.0 / 12.0, None)
    return TaskInfo(lag + 1, SYMBOLS, SYMBOLS, math.log(SYMBOLS), None, 1.0 / SYMBOLS)


def batch(task: TaskName, lag: int, size: int, rng: np.random.Generator) -> Batch:
    """A fresh minibatch of `size` sequences at lag L (L >= 2)."""
    if task == "adding":
        return _adding(lag, size, rng)
    return _recall(lag, size, rng)


def _adding(lag: int, size: int, rng: np.random.Generator) -> Batch:
    half = lag // 2
    x = np.zeros((lag, size, 2))
    x[:, :, 0] = rng.random((lag, size))
    first = rng.integers(0, half, size)  # steps 1..L/2: distance >= L/2 from the answer
    second = rng.integers(half, lag, size)
    cols = np.arange(size)
    x[first, cols, 1] = 1.0
    x[second, cols, 1] = 1.0
    return Batch(x, x[first, cols, 0] + x[second, cols, 0])


def _recall(lag: int, size: int, rng: np.random.Generator) -> Batch:
    symbol = rng.integers(0, SYMBOLS, size)
    x = np.empty((lag + 1, size, SYMBOLS))
    x[0] = np.eye(SYMBOLS)[symbol]
    x[1:] = NOISE * rng.standard_normal((lag, size, SYMBOLS))
    return Batch(x, symbol)


def far_from(lag: int, steps: int) -> int:
    """Last step k (1-based) whose distance T - k to the answer is at least L/2: steps 1..far_from are far."""
    return steps - math.ceil(lag / 2)


def loss(task: TaskName, out: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, float | None]:
    """(mean loss over the batch, dloss/dout (B, outputs), accuracy or None) of the readout out (B, outputs)."""
    size = out.shape[0]
    if task == "adding":
        err = out[:, 0] - target
        return float(np.mean(err**2)), (2.0 / size) * err[:, None], None
    shifted = out - out.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(size)
    grad = np.exp(logp)
    grad[rows, target] -= 1.0
    accuracy = float(np.mean(np.argmax(out, axis=1) == target))
    return float(-np.mean(logp[rows, target])), grad / size, accuracy
