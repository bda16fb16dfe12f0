"""One model, every file it can come in: read through the loader (core.model.load, which tells the format from
the bytes), the PyTorch models saved as safetensors and exported to ONNX are the same canonical model (one content
id, the same numbers in every view), and the Keras models saved as .keras and as .weights.h5 are the model their
weights map to (tests/core/model/test_fixture_references.py), whose views equal Keras's own autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.model import stack
from core.model.checks import Limits
from core.model.identity import canonical_id
from core.model.load import load
from core.model.spec import Model
from tests.core.model.test_fixture_references import KERAS, ONNX, keras_model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"


def _read(file: str) -> Model:
    return load((FIXTURES / file).read_bytes(), file, None, Limits())


def _views(model: Model, x: np.ndarray) -> list[np.ndarray]:
    out = []
    for i, layer in enumerate(model.layers):
        for d in layer.directions:
            r = stack.run_layer(model, i, d, x=x)
            assert r.pairs is not None
            out += [r.decay, r.pairs.values, r.units]
    return out


@pytest.mark.parametrize("name", ONNX)
def test_safetensors_and_onnx_of_one_pytorch_model_are_one_model(name: str) -> None:
    st, ox = _read(f"{name}.safetensors"), _read(f"{name}.onnx")
    assert (st.source, ox.source) == ("safetensors", "onnx")
    assert canonical_id(st) == canonical_id(ox)
    assert st.x is not None
    for a, b in zip(_views(st, st.x), _views(ox, st.x), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
@pytest.mark.parametrize("name", KERAS)
def test_keras_files_are_the_model_their_weights_map_to(name: str, suffix: str) -> None:
    """(A bare weights file carries no activation: a SimpleRNN's is the default, tanh, as this one's is.)"""
    model = _read(f"{name}{suffix}")
    assert model.source == "keras"
    assert canonical_id(model) == canonical_id(keras_model(name))
