"""The reproduce-it script: weights of an RNN, GRU or LSTM downloaded from a real server, the decay curve
recomputed with plain NumPy."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "reproduce" / "rnn_decay.py"


def _curve(text: str) -> list[float]:
    rows = [line.split() for line in text.strip().splitlines()]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    return [float(r[1]) for r in rows]


@pytest.mark.parametrize(
    "query",
    [
        "activation=tanh&steps=300&hidden=16",
        "activation=relu&steps=200&hidden=16&seed=3",
        "activation=relu&scale=0.3&bias=-2&steps=300&hidden=8",  # every unit dies: exact zeros
        "activation=linear&init=identity&scale=0.99&steps=300",
        "activation=linear&init=identity&scale=1.01&steps=300",
        "activation=sigmoid&steps=60&norm=frobenius&seed=7",
        "model=gru&steps=300&hidden=12",
        "model=gru&steps=200&hidden=8&update_bias=-4&scale=2",
        "model=gru&steps=300&hidden=12&reset_after=true",
        "model=gru&steps=200&hidden=8&update_bias=-4&scale=2&reset_after=true&norm=frobenius",
        "model=lstm&steps=200&hidden=10",
        "model=lstm&steps=150&hidden=6&peephole=true&forget_bias=3",
        "model=lstm&steps=100&hidden=6&coupled=true&peephole=true&norm=frobenius",
    ],
)
def test_script_recomputes_the_decay_curve(live_server: str, tmp_path: Path, query: str) -> None:
    model = query.removeprefix("model=").split("&")[0] if query.startswith("model=") else "rnn"
    query = query.removeprefix(f"model={model}&")
    with urllib.request.urlopen(f"{live_server}/api/v1/{model}?{query}&include=weights") as response:
        answer = json.load(response)
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer))
    done = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, check=True)
    mine = _curve(done.stdout)
    theirs = [-math.inf if v is None else v for v in answer["decay"]["log10_norm"]]
    assert len(mine) == len(theirs) == answer["config"]["steps"] + 1
    for k, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if b == -math.inf:
            assert a == -math.inf, f"k={k}: expected an exact zero, got {a}"
        else:
            assert a == pytest.approx(b, abs=1e-9), f"k={k}"


def test_identity_linear_decay_is_the_scale_power(live_server: str, tmp_path: Path) -> None:
    """Closed form: W = 0.99 I with a linear unit gives ||dh_T/dh_k|| = 0.99^(T-k) exactly."""
    with urllib.request.urlopen(
        f"{live_server}/api/v1/rnn?activation=linear&init=identity&scale=0.99&steps=40&include=weights"
    ) as r:
        (tmp_path / "a.json").write_bytes(r.read())
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "a.json")], capture_output=True, text=True, check=True
    )
    mine = _curve(out.stdout)
    assert mine == pytest.approx([(40 - k) * math.log10(0.99) for k in range(41)], abs=1e-12)


def test_script_refuses_an_answer_without_weights(live_server: str, tmp_path: Path) -> None:
    with urllib.request.urlopen(f"{live_server}/api/v1/rnn?steps=5") as r:
        (tmp_path / "a.json").write_bytes(r.read())
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "a.json")], capture_output=True, text=True)
    assert done.returncode == 2 and "include=weights" in done.stderr
