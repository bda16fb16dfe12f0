"""Damaged files: real model files with bytes overwritten at random, and .keras archives whose config.json has
values swapped for ones of other types. Each reader answers with a Model or a ModelError, never another
exception, and quickly."""

from __future__ import annotations

import copy
import io
import json
import random
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from core.model.checks import Limits, ModelError
from core.model.read_keras import read_keras
from core.model.read_onnx import read_onnx
from tests.core.model import hostile as h

LIMITS = Limits()
SWAPS: list[Any] = [None, 1, 0, "x", [], {}, True, False, -1, 1e308, "tanh", "relu", [None], "LSTM", "Bidirectional"]


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("torch_lstm_bi.onnx", read_onnx),
        ("torch_rnn_relu_bi.onnx", read_onnx),
        ("keras_bi_lstm_gru.weights.h5", read_keras),
        ("keras_lstm_lstm.weights.h5", read_keras),
    ],
)
def test_overwritten_bytes(name, reader):
    data = h.fixture(name)
    rng = np.random.default_rng(len(name))
    outcomes = {"model": 0, "refused": 0}
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(int(rng.integers(1, 20))):
            damaged[int(rng.integers(0, len(damaged)))] = int(rng.integers(0, 256))
        start = time.perf_counter()
        try:
            reader(bytes(damaged), LIMITS)
            outcomes["model"] += 1
        except ModelError:
            outcomes["refused"] += 1
        assert time.perf_counter() - start < 2.0
    assert outcomes["refused"] > 50  # the damage is seen, not only harmless bytes touched


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@pytest.mark.parametrize("name", ["keras_stack.keras", "keras_embed_gru.keras"])
def test_config_values_of_other_types(name):
    data = h.fixture(name)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        base = json.loads(z.read("config.json"))
    paths = list(_paths(base))
    rnd = random.Random(name)
    refused = 0
    for _ in range(300):
        config = copy.deepcopy(base)
        for _ in range(rnd.randint(1, 3)):
            path = rnd.choice(paths)
            target = config
            try:
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = copy.deepcopy(rnd.choice(SWAPS))
            except (KeyError, IndexError, TypeError):
                continue
        try:
            read_keras(h.rezip(data, {"config.json": json.dumps(config).encode()}), LIMITS)
        except ModelError:
            refused += 1
    assert refused > 30
