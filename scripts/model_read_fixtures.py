"""Write the framework-made model files the readers' tests check against, with each framework's own outputs.

PyTorch exports fused ONNX nodes (torch.onnx.export, dynamo=False) and saves a checkpoint and a TorchScript
program (both refused by the loader); Keras 3 (torch backend) saves .keras archives and bare weights files.
Next to them, expected.npz holds, for each model, a fixed input x and the framework's output sequence y of its
last recurrent layer (float32, as saved), and y64: the same model computed by the framework in float64. The tests read these files with numpy and the readers only; no framework is needed then.

    KERAS_BACKEND=torch python -m scripts.model_read_fixtures
"""

from __future__ import annotations

import copy
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
            y64 = copy.deepcopy(module).double()(shaped.double())  # the same weights, computed in float64
        expected[f"{name}/x"] = x.numpy()
        expected[f"{name}/y"] = (y[0] if batch_first else y[:, 0]).numpy()
        expected[f"{name}/y64"] = (y64[0] if batch_first else y64[:, 0]).numpy()
    embed = torch.nn.Sequential(torch.nn.Embedding(6, 3), Last(torch.nn.LSTM(3, 4, batch_first=True))).eval()
    with torch.no_grad():
        for p in embed.parameters():
            p.mul_(2.0)
    tokens = torch.randint(0, 6, (1, STEPS))
    torch.onnx.export(
        embed, (tokens,), OUT / "torch_embed_lstm.onnx", dynamo=False, input_names=["t"], output_names=["y"]
    )
    with torch.no_grad():
        expected["torch_embed_lstm/x"] = tokens[0].numpy()
        expected["torch_embed_lstm/y"] = embed(tokens)[0].numpy()
        expected["torch_embed_lstm/y64"] = copy.deepcopy(embed).double()(tokens)[0].numpy()
    lstm = torch.nn.LSTM(3, 2)
    torch.save(lstm.state_dict(), OUT / "checkpoint.pt")
    torch.jit.script(torch.nn.RNN(2, 2)).save(str(OUT / "scripted.pt"))  # type: ignore[no-untyped-call]


def keras_files(expected: dict[str, np.ndarray]) -> None:
    """.keras archives and bare .weights.h5 files of Keras 3's recurrent layers. Each model is built twice, in
    float32 (saved) and in float64 with the same weights, whose outputs check the mapping to rounding error."""
    import keras

    keras.utils.set_random_seed(20261208)
    rng = np.random.default_rng(20261208)
    L = keras.layers

    def stack(d: str) -> tuple[Any, Any]:  # LSTM, GRU resetting before, bidirectional ReLU SimpleRNN, Dense
        inp = keras.Input((STEPS, 3), dtype=d)
        h = L.LSTM(4, return_sequences=True, dtype=d)(inp)
        h = L.GRU(3, return_sequences=True, reset_after=False, dtype=d)(h)
        last = L.Bidirectional(L.SimpleRNN(2, activation="relu", return_sequences=True, dtype=d), dtype=d)(h)
        return keras.Model(inp, L.Dense(1, dtype=d)(last)), keras.Model(inp, last)

    def embed_gru(d: str) -> tuple[Any, Any]:  # Embedding, GRU resetting after (the default), Dropout, Dense
        front = [
            keras.Input((STEPS,), dtype="int32"),
            L.Embedding(6, 3, dtype=d),
            L.GRU(4, return_sequences=True, dtype=d),
        ]
        model = keras.Sequential([*front, L.Dropout(0.5), L.Dense(2, dtype=d)])
        return model, keras.Sequential(model.layers[:2])

    def bi_lstm_gru(d: str) -> tuple[Any, Any]:  # bare weights; the GRU's reset is told by its bias's shape
        model = keras.Sequential(
            [
                keras.Input((STEPS, 3), dtype=d),
                L.Bidirectional(L.LSTM(4, return_sequences=True, dtype=d), dtype=d),
                L.GRU(5, return_sequences=True, reset_after=False, dtype=d),
            ]
        )
        return model, model

    def lstm_lstm(d: str) -> tuple[Any, Any]:  # bare weights; only Keras's numbering tells the order
        model = keras.Sequential(
            [keras.Input((STEPS, 4), dtype=d)] + [L.LSTM(4, return_sequences=True, dtype=d) for _ in range(2)]
        )
        return model, model

    def simple_rnn(d: str) -> tuple[Any, Any]:  # SimpleRNN tanh then ReLU, under layers/simple_rnn*
        model = keras.Sequential(
            [
                keras.Input((STEPS, 3), dtype=d),
                L.SimpleRNN(4, return_sequences=True, dtype=d),
                L.SimpleRNN(3, activation="relu", return_sequences=True, dtype=d),
            ]
        )
        return model, model

    x3 = rng.standard_normal((STEPS, 3)).astype("float32")
    x4 = rng.standard_normal((STEPS, 4)).astype("float32")
    tokens = rng.integers(0, 6, STEPS).astype("int32")
    cases = [
        ("keras_stack", stack, ".keras", x3),
        ("keras_embed_gru", embed_gru, ".keras", tokens),
        ("keras_bi_lstm_gru", bi_lstm_gru, ".weights.h5", x3),
        ("keras_lstm_lstm", lstm_lstm, ".weights.h5", x4),
        ("keras_simple_rnn", simple_rnn, ".keras", x3),
    ]
    for name, build, suffix, x in cases:
        model, upto = build("float32")
        # weights large enough that the nonlinearities are far from linear
        weights = [2.0 * w + 0.5 * rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()]
        model.set_weights(weights)
        if suffix == ".keras":
            model.save(OUT / f"{name}.keras")
        else:
            model.save_weights(OUT / f"{name}.weights.h5")
        keras.config.set_floatx("float64")  # states and constants Keras creates follow floatx, not the layer's dtype
        twin, twin_upto = build("float64")
        keras.config.set_floatx("float32")
        twin.set_weights([w.astype("float64") for w in weights])
        expected[f"{name}/x"] = x
        expected[f"{name}/y"] = keras.ops.convert_to_numpy(upto(x[None]))[0]
        x64 = x if x.dtype.kind == "i" else x.astype("float64")
        expected[f"{name}/y64"] = keras.ops.convert_to_numpy(twin_upto(x64[None]))[0]


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
