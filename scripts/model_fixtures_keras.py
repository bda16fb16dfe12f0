"""The Keras part of tests/fixtures/models/ (run by scripts/model_fixtures.py with KERAS_BACKEND=torch).

Each model is a Sequential of one recurrent layer (return_sequences=True) on inputs (T, m), saved as
<name>.keras and <name>.weights.h5. Its reference comes from a float64 twin of the layer (the same weights,
cast exactly) run by Keras on the torch backend, one step at a time for the Jacobians. Keras's non-TensorFlow
backends demote every float64 result to float32 (keras/src/backend/common/dtypes.py, BIT64_TO_BIT32_DTYPE, to
match JAX's default); the references lift that demotion after the models are saved, so Keras's own cell code
runs in float64 throughout.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch
from keras.src.backend.common import dtypes

from scripts import model_reference
from scripts.model_fixtures import OUT, M, N, T

SPECS: list[tuple[str, Callable[[], Any]]] = [
    ("keras_lstm", lambda: keras.layers.LSTM(N, return_sequences=True)),
    ("keras_gru_after", lambda: keras.layers.GRU(N, return_sequences=True, reset_after=True)),
    ("keras_gru_before", lambda: keras.layers.GRU(N, return_sequences=True, reset_after=False)),
    ("keras_simplernn", lambda: keras.layers.SimpleRNN(N, return_sequences=True)),
]


def _twin(layer: keras.layers.Layer) -> keras.layers.Layer:
    """The same layer in float64, returning its states too."""
    cfg = layer.get_config() | {"dtype": "float64", "return_state": True, "return_sequences": True}
    twin = type(layer).from_config(cfg)
    twin.build((1, T, M))
    twin.set_weights([w.astype(np.float64) for w in layer.get_weights()])
    return twin


def _step(twin: keras.layers.Layer, lstm: bool) -> model_reference.Step:
    def step(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        state = [s[:N].view(1, N), s[N:].view(1, N)] if lstm else [s.view(1, N)]
        out = twin(x.view(1, 1, M), initial_state=state)
        return torch.cat([out[1].view(N), out[2].view(N)]) if lstm else out[1].view(N)

    return step


def main() -> None:
    for i, (name, make) in enumerate(SPECS):
        keras.utils.set_random_seed(300 + i)
        layer = make()
        model = keras.Sequential([keras.Input((T, M)), layer])
        rng = np.random.default_rng(400 + i)
        # Keras starts its biases at zero (the LSTM's forget bias at one): draw them so the mapping is tested.
        layer.set_weights([w if w.ndim == 2 else (w + 0.5 * rng.standard_normal(w.shape)).astype(w.dtype)
                           for w in layer.get_weights()])  # fmt: skip
        model.save(OUT / f"{name}.keras")
        model.save_weights(OUT / f"{name}.weights.h5")
        dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"  # the references run in float64 (module docstring)
        x = torch.from_numpy(rng.standard_normal((T, M)).astype(np.float32).astype(np.float64))
        twin = _twin(layer)
        lstm = isinstance(layer, keras.layers.LSTM)
        with torch.no_grad():
            out = twin(x.view(1, T, M))[0][0].numpy().copy()
        cell = model_reference.recursion(_step(twin, lstm), x, 2 * N if lstm else N, N)
        assert np.allclose(cell["states"][1:, :N], out, rtol=0, atol=1e-12), name
        meta = {"framework": f"keras {keras.__version__} (torch backend)", "model": name}
        model_reference.write(OUT / f"{name}.reference.safetensors", x.numpy(), [out], {(0, "forward"): cell}, meta)
        dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float32"


if __name__ == "__main__":
    main()
