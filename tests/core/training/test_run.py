"""Training runs: deterministic by seed, what each update reports, divergence and the random step."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import pytest

from core.training import TrainConfig, evaluate, initial_params, train
from core.training.run import SNAPSHOTS, snapshot_steps

TINY = TrainConfig(model="lstm", task="adding", lag=6, hidden=4, batch=4, iterations=12, lr=0.02)


def _plain(u) -> dict[str, object]:
    d = asdict(u)
    d["log10_state_grad"] = None if u.log10_state_grad is None else u.log10_state_grad.tolist()
    return d


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_same_configuration_same_numbers(model: str) -> None:
    cfg = TrainConfig(**{**asdict(TINY), "model": model, "reg_weight": 0.5 if model == "rnn" else 0.0})
    one = [_plain(u) for u in train(cfg)]
    two = [_plain(u) for u in train(cfg)]
    assert one == two and len(one) == cfg.iterations
    other = [_plain(u) for u in train(TrainConfig(**{**asdict(cfg), "seed": 1}))]
    assert other[0]["loss"] != one[0]["loss"]


def test_each_update_reports_loss_gradient_and_snapshots() -> None:
    cfg = TrainConfig(**{**asdict(TINY), "task": "recall", "iterations": 5, "clip": "norm", "threshold": 1e-3})
    ups = list(train(cfg))
    assert [u.step for u in ups] == [1, 2, 3, 4, 5]
    assert all(u.accuracy is not None and 0 <= u.accuracy <= 1 for u in ups)
    assert all(u.clipped and not u.random_step and not u.nonfinite for u in ups)  # v = 0.001 clips every update
    assert all(math.isfinite(u.log10_grad_norm) and u.log10_far_share is not None for u in ups)
    assert all(u.log10_far_share is not None and u.log10_far_share < 0.5 for u in ups)
    assert all(u.log10_state_grad is not None and u.log10_state_grad.shape == (8,) for u in ups)  # T = L + 1 = 7
    assert ups[0].omega is None


def test_snapshots_are_evenly_spread_with_both_ends() -> None:
    steps = snapshot_steps(20000)
    assert len(steps) == SNAPSHOTS and min(steps) == 1 and max(steps) == 20000
    assert snapshot_steps(3) == {1, 2, 3} and snapshot_steps(1) == {1}


def test_regulariser_reports_omega_and_is_refused_for_gated_cells() -> None:
    ups = list(train(TrainConfig(**{**asdict(TINY), "model": "rnn", "reg_weight": 2.0, "iterations": 2})))
    assert all(u.omega is not None and u.omega >= 0 for u in ups)
    with pytest.raises(ValueError, match="vanilla RNN"):
        next(train(TrainConfig(**{**asdict(TINY), "model": "gru", "reg_weight": 1.0})))


def _exploded(cfg: TrainConfig) -> dict[str, np.ndarray]:
    """Initial parameters with a readout so large that the loss and its gradient overflow."""
    p = initial_params(cfg)
    p["V"] *= 1e200
    return p


def test_inf_gradient_without_clipping_stops_the_run() -> None:
    cfg = TrainConfig(**{**asdict(TINY), "clip": "none"})
    ups = list(train(cfg, _exploded(cfg)))
    assert len(ups) == 1 and ups[0].nonfinite and not ups[0].random_step and math.isnan(ups[0].log10_grad_norm)


def test_inf_gradient_with_clipping_takes_random_steps_and_goes_on() -> None:
    cfg = TrainConfig(**{**asdict(TINY), "clip": "norm", "threshold": 0.1, "optimizer": "sgd", "lr": 1.0})
    p = _exploded(cfg)
    start = {k: v.copy() for k, v in p.items()}
    ups = list(train(cfg, p))
    assert len(ups) == cfg.iterations and ups[0].nonfinite and ups[0].random_step
    assert all(np.all(np.isfinite(v)) for v in p.values())
    moved = np.sqrt(sum(np.sum((p[k] - start[k]) ** 2) for k in ("Wh", "Wx", "b")))
    assert moved > 0  # the cell moved by random steps although its gradient was never finite


def test_a_small_lstm_learns_a_short_adding_problem() -> None:
    cfg = TrainConfig(model="lstm", task="adding", lag=5, hidden=8, batch=16, iterations=400, lr=0.01)
    p = initial_params(cfg)
    before = evaluate(cfg, p)
    ups = list(train(cfg, p))
    after = evaluate(cfg, p)
    assert before.loss > 0.1 and after.loss < 0.02 and after.loss < 0.2 * ups[0].loss
    assert after.accuracy is None and after.solved == (after.loss < 0.01)


def test_training_core_imports_no_web_package() -> None:
    code = "import sys, core.training; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert "numpy" in out
    assert [m for m in ("fastapi", "starlette", "pydantic", "plotly", "jinja2", "uvicorn") if m in out] == []
