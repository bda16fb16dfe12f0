"""Writes tests/fixtures/models/: small recurrent models saved by PyTorch and Keras themselves, and beside each
the frameworks' own forward states and autograd Jacobians (scripts/model_reference.py).

    python -m scripts.model_fixtures          (PyTorch part, then the Keras part with KERAS_BACKEND=torch)

Deterministic: every model and input comes from a fixed seed. The frameworks are imported here and in
scripts/model_fixtures_keras.py only; the explorer itself never imports them.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from scripts import model_reference

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "models"
T, M, N = 12, 3, 5
ADDING_T, ADDING_N = 20, 16


def _x(seed: int, steps: int, m: int) -> torch.Tensor:
    """Inputs exactly representable in float32 (so the float32 copy in a file is the same sequence)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(steps, m, generator=g).float().double()


def _single(module: nn.RNNBase, layer: int, suffix: str, m: int) -> nn.RNNBase:
    """A one-layer, one-direction float64 copy of layer `layer`'s direction `suffix` of a stacked module."""
    n, bias = module.hidden_size, module.bias
    single: nn.RNNBase
    if isinstance(module, nn.LSTM):
        single = nn.LSTM(m, n, 1, bias=bias)
    elif isinstance(module, nn.GRU):
        single = nn.GRU(m, n, 1, bias=bias)
    else:
        single = nn.RNN(m, n, 1, nonlinearity=module.nonlinearity, bias=bias)
    single = single.double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if hasattr(module, f"{name}_l{layer}{suffix}"):
                getattr(single, f"{name}_l0").copy_(getattr(module, f"{name}_l{layer}{suffix}"))
    return single


def _step(single: nn.Module, n: int) -> model_reference.Step:
    """s_t = step(s_{t-1}, x_t) through the framework's one-layer module, one step at a time."""
    if isinstance(single, nn.LSTM):

        def lstm_step(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            _, (h, c) = single(x.view(1, 1, -1), (s[:n].view(1, 1, n), s[n:].view(1, 1, n)))
            return torch.cat([h.view(n), c.view(n)])

        return lstm_step
    if isinstance(single, nn.RNNCellBase):
        return lambda s, x: single(x.view(1, -1), s.view(1, n)).view(n)
    return lambda s, x: single(x.view(1, 1, -1), s.view(1, 1, n))[1].view(n)


Cells = dict[tuple[int, str], dict[str, np.ndarray]]


def references(module: nn.RNNBase | nn.RNNCellBase, x: torch.Tensor) -> tuple[list[np.ndarray], Cells]:
    """Every layer's output sequence and every direction's recursion, by the framework (float64)."""
    n = int(module.hidden_size)
    if isinstance(module, nn.RNNCellBase):
        cell = model_reference.recursion(_step(copy.deepcopy(module).double(), n), x, n, n)
        return [cell["states"][1:]], {(0, "forward"): cell}
    full = copy.deepcopy(module).double()
    d = 2 * n if isinstance(module, nn.LSTM) else n
    outputs: list[np.ndarray] = []
    cells: Cells = {}
    inp = x
    with torch.no_grad():
        top = full(x.unsqueeze(1))[0][:, 0]
    for layer in range(module.num_layers):
        directions = [("forward", "", inp)] + ([("reverse", "_reverse", inp.flip(0))] if module.bidirectional else [])
        per_direction = []
        for name, suffix, seq in directions:
            single = _single(module, layer, suffix, inp.shape[1])
            cells[(layer, name)] = model_reference.recursion(_step(single, n), seq, d, n)
            with torch.no_grad():
                h = single(seq.unsqueeze(1))[0][:, 0]
            per_direction.append(h if name == "forward" else h.flip(0))
        inp = torch.cat(per_direction, dim=1)
        outputs.append(inp.numpy().copy())
    assert torch.allclose(inp, top, rtol=0, atol=1e-12), "layer-by-layer run differs from the stacked module"
    return outputs, cells


def save(name: str, module: nn.RNNBase | nn.RNNCellBase, x: torch.Tensor, meta: dict[str, str], prefix: str = "",
         extra: dict[str, torch.Tensor] | None = None, onnx: bool = True) -> None:  # fmt: skip
    """<name>.safetensors (float32 state_dict under `prefix`, the input x, metadata), <name>.onnx (fused
    node, initializers inline) and <name>.reference.safetensors."""
    state = {prefix + k: v.detach().float().contiguous() for k, v in module.state_dict().items()}
    state["x"] = x.float().contiguous()
    state |= extra or {}
    save_file(state, str(OUT / f"{name}.safetensors"), metadata=meta)
    if onnx:
        torch.onnx.export(module.float(), (x.float().unsqueeze(1),), str(OUT / f"{name}.onnx"), dynamo=False)
    outputs, cells = references(module, x)
    model_reference.write(OUT / f"{name}.reference.safetensors", x.numpy(), outputs, cells,
                          {"framework": f"torch {torch.__version__}", "model": name})  # fmt: skip


def pytorch_models() -> None:
    specs: list[tuple[str, Callable[[], nn.RNNBase], dict[str, str], str]] = [
        ("torch_rnn_tanh", lambda: nn.RNN(M, N, 1, nonlinearity="tanh"), {"nonlinearity": "tanh"}, ""),
        ("torch_rnn_relu_2", lambda: nn.RNN(M, N, 2, nonlinearity="relu", bias=False), {"nonlinearity": "relu"}, ""),
        ("torch_lstm", lambda: nn.LSTM(M, N, 1), {"kind": "lstm"}, ""),
        ("torch_lstm_bi_2", lambda: nn.LSTM(M, N, 2, bidirectional=True), {"kind": "lstm"}, "encoder.rnn."),
        ("torch_gru", lambda: nn.GRU(M, N, 1), {"kind": "gru"}, ""),
        ("torch_gru_2", lambda: nn.GRU(M, N, 2), {"kind": "gru"}, "gru."),
    ]
    for i, (name, make, meta, prefix) in enumerate(specs):
        torch.manual_seed(100 + i)
        module = make()
        with torch.no_grad():  # PyTorch's default init is small; widen the recurrent weights for visible dynamics
            for p_name, p in module.named_parameters():
                if "weight_hh" in p_name:
                    p.mul_(2.0)
        save(name, module, _x(200 + i, T, M), meta, prefix)
    torch.manual_seed(150)
    save("torch_gru_cell", nn.GRUCell(M, N), _x(250, T, M), {"kind": "gru"}, "cell.", onnx=False)


def adding_batch(g: torch.Generator, batch: int, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: (T, B, 2) inputs (value, marker), target = sum of the two marked values."""
    values = torch.rand(steps, batch, generator=g)
    first = torch.randint(0, steps // 2, (batch,), generator=g)
    second = torch.randint(steps // 2, steps, (batch,), generator=g)
    marks = torch.zeros(steps, batch)
    marks[first, torch.arange(batch)] = 1.0
    marks[second, torch.arange(batch)] = 1.0
    return torch.stack([values, marks], dim=2), (values * marks).sum(0)


class Adding(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, ADDING_N)
        self.head = nn.Linear(ADDING_N, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(x)[0][-1])[:, 0]


def adding_problem() -> dict[str, float]:
    """Trains an LSTM briefly on the adding problem; saves the initial and the trained weights."""
    torch.manual_seed(7)
    model = Adding()
    g = torch.Generator().manual_seed(8)
    test_x, test_y = adding_batch(torch.Generator().manual_seed(9), 512, ADDING_T)

    def test_loss() -> float:
        with torch.no_grad():
            return float(nn.functional.mse_loss(model(test_x), test_y))

    init = {k: v.clone() for k, v in model.state_dict().items()}
    before = test_loss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(600):
        x, y = adding_batch(g, 64, ADDING_T)
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
    after = test_loss()
    x = test_x[:, 0].double()
    losses = {"loss_before": before, "loss_after": after}
    meta = {"kind": "lstm", "task": "adding", **{k: f"{v:.6g}" for k, v in losses.items()}}
    head = {f"head.{k}": v.detach().float().contiguous() for k, v in model.head.state_dict().items()}
    save("torch_lstm_adding_trained", model.lstm, x, meta, "lstm.", head)
    model.load_state_dict(init)
    head = {f"head.{k}": v.detach().float().contiguous() for k, v in model.head.state_dict().items()}
    save("torch_lstm_adding_init", model.lstm, x, meta | {"task": "adding (untrained)"}, "lstm.", head)
    return losses


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    pytorch_models()
    losses = adding_problem()
    print("adding problem, test MSE:", json.dumps(losses))
    env = os.environ | {"KERAS_BACKEND": "torch"}
    subprocess.run([sys.executable, "-m", "scripts.model_fixtures_keras"], check=True, env=env)
    total = 0
    for path in sorted(OUT.iterdir()):
        total += path.stat().st_size
        print(f"{path.stat().st_size:8d}  {path.name}")
    print(f"{total:8d}  total")


if __name__ == "__main__":
    main()
