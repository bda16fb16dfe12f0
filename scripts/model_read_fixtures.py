"""Write the framework-made model files the readers' tests check against, with each framework's own outputs.

PyTorch exports fused ONNX nodes (torch.onnx.export, dynamo=False) and saves a checkpoint and a TorchScript
program (both refused by the loader); Keras 3 (torch backend) saves .keras archives and bare weights files.
Next to them, expected.npz holds, for each model, a fixed input x and the framework's output sequence y of its
last recurrent layer. The tests read these files with numpy and the readers only; no framework is needed then.

    KERAS_BACKEND=torch python -m scripts.model_read_fixtures
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "models" / "read"
STEPS = 7


def torch_files(expected: dict[str, np.ndarray]) -> None:
    """ONNX exports of PyTorch's RNN, LSTM and GRU stacks, a checkpoint and a TorchScript program."""
    import torch

    torch.manual_seed(20261208)

    class Last(torch.nn.Module):
        """The output sequence of a recurrent stack, as ONNX exports it."""

        def __init__(self, rnn: torch.nn.Module) -> None:
            super().__init__()
            self.rnn = rnn

        def forward(self, x: Any) -> Any:
            return self.rnn(x)[0]

    models = {
        "torch_rnn_tanh": torch.nn.RNN(3, 4),
        "torch_rnn_relu_bi": torch.nn.RNN(3, 4, num_layers=2, nonlinearity="relu", bidirectional=True),
        "torch_lstm_bi": torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True),
        "torch_gru_batch_first": torch.nn.GRU(3, 5, num_layers=2, batch_first=True),
    }
    for name, rnn in models.items():
        with torch.no_grad():
            for p in rnn.parameters():
                p.mul_(2.0)  # weights large enough that the nonlinearities are far from linear
        module = Last(rnn).eval()
        batch_first = getattr(rnn, "batch_first", False)
        x = torch.randn(STEPS, 3, dtype=torch.float32)
        shaped = x[None] if batch_first else x[:, None]
        torch.onnx.export(module, (shaped,), OUT / f"{name}.onnx", dynamo=False, input_names=["x"], output_names=["y"])
        with torch.no_grad():
            y = module(shaped)
        expected[f"{name}/x"] = x.numpy()
        expected[f"{name}/y"] = (y[0] if batch_first else y[:, 0]).numpy()
    lstm = torch.nn.LSTM(3, 2)
    torch.save(lstm.state_dict(), OUT / "checkpoint.pt")
    torch.jit.script(torch.nn.RNN(2, 2)).save(str(OUT / "scripted.pt"))  # type: ignore[no-untyped-call]


def keras_files(expected: dict[str, np.ndarray]) -> None:
    """.keras archives and bare .weights.h5 files of Keras 3's recurrent layers."""
    import keras  # type: ignore[import-untyped]

    keras.utils.set_random_seed(20261208)
    rng = np.random.default_rng(20261208)
    layers = keras.layers

    def scaled(model: Any) -> None:
        model.set_weights([2.0 * w + 0.5 * rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()])

    # A functional stack: LSTM, GRU resetting before, a bidirectional ReLU SimpleRNN, then a Dense head.
    inp = keras.Input((STEPS, 3))
    h = layers.LSTM(4, return_sequences=True)(inp)
    h = layers.GRU(3, return_sequences=True, reset_after=False)(h)
    last = layers.Bidirectional(layers.SimpleRNN(2, activation="relu", return_sequences=True))(h)
    model = keras.Model(inp, layers.Dense(1)(last))
    scaled(model)
    model.save(OUT / "keras_stack.keras")
    x = rng.standard_normal((STEPS, 3)).astype("float32")
    expected["keras_stack/x"] = x
    expected["keras_stack/y"] = keras.ops.convert_to_numpy(keras.Model(inp, last)(x[None]))[0]

    # A sequential model over tokens: Embedding, GRU resetting after (Keras's default), Dropout, Dense.
    seq = keras.Sequential(
        [
            keras.Input((STEPS,), dtype="int32"),
            layers.Embedding(6, 3),
            layers.GRU(4, return_sequences=True),
            layers.Dropout(0.5),
            layers.Dense(2),
        ]
    )
    scaled(seq)
    seq.save(OUT / "keras_embed_gru.keras")
    tokens = rng.integers(0, 6, STEPS).astype("int32")
    expected["keras_embed_gru/x"] = tokens
    expected["keras_embed_gru/y"] = keras.ops.convert_to_numpy(keras.Sequential(seq.layers[:2])(tokens[None]))[0]

    # Bare weights: a bidirectional LSTM then a GRU resetting before (told only by its bias's shape).
    bare = keras.Sequential(
        [
            keras.Input((STEPS, 3)),
            layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
            layers.GRU(5, return_sequences=True, reset_after=False),
        ]
    )
    scaled(bare)
    bare.save_weights(OUT / "keras_bi_lstm_gru.weights.h5")
    expected["keras_bi_lstm_gru/x"] = x
    expected["keras_bi_lstm_gru/y"] = keras.ops.convert_to_numpy(bare(x[None]))[0]

    # Bare weights: two LSTMs of the same sizes, whose order only Keras's numbering tells.
    twin = keras.Sequential(
        [keras.Input((STEPS, 4)), layers.LSTM(4, return_sequences=True), layers.LSTM(4, return_sequences=True)]
    )
    scaled(twin)
    twin.save_weights(OUT / "keras_lstm_lstm.weights.h5")
    x4 = rng.standard_normal((STEPS, 4)).astype("float32")
    expected["keras_lstm_lstm/x"] = x4
    expected["keras_lstm_lstm/y"] = keras.ops.convert_to_numpy(twin(x4[None]))[0]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    expected: dict[str, np.ndarray] = {}
    torch_files(expected)
    keras_files(expected)
    arrays: dict[str, Any] = expected
    np.savez(OUT / "expected.npz", **arrays)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
