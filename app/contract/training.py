"""The training lab's contract: the query of GET /api/v1/train, its status answer, and the numbers its events
carry (start, the updates as columns, the (t, k) snapshots, done)."""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.contract.fields import float_field, int_field
from core import config as c
from core.training import TrainConfig, Update, evaluate, tasks
from core.training import run as r
from core.training.models import ModelName, Params
from core.training.optim import ClipName, OptimizerName
from core.training.tasks import TaskName

_D = TrainConfig()


class TrainQuery(BaseModel):
    """Query of GET /api/v1/train."""

    model_config = ConfigDict(extra="forbid")

    model: ModelName = Field(_D.model, description="rnn (tanh), lstm or gru; a linear readout after the last step.")
    task: TaskName = Field(
        _D.task,
        description="adding: sum the two marked values of T = L steps (MSE); recall: name the symbol shown at step "
        f"1 of T = L + 1 (one of {tasks.SYMBOLS}, cross-entropy).",
    )
    lag: int = int_field(_D.lag, r.LAG, "Lag L: how far back the information sits.")
    hidden: int = int_field(_D.hidden, r.HIDDEN, "Hidden size n.")
    optimizer: OptimizerName = Field(_D.optimizer, description="Update rule (textbook constants; see /docs of core).")
    lr: float = float_field(_D.lr, r.LR, "Learning rate.")
    clip: ClipName = Field(
        _D.clip,
        description="none; norm: g <- g v / ||g|| when ||g|| > v; value: every entry clipped to [-v, v]. "
        "With clipping, an Inf/NaN gradient is replaced by a random vector of norm v.",
    )
    threshold: float = float_field(_D.threshold, r.THRESHOLD, "Clipping threshold v.")
    forget_bias: float = float_field(
        _D.forget_bias, r.FORGET_BIAS, "LSTM forget-gate bias b_f at initialisation; GRU: b_z = -forget_bias."
    )
    reg_weight: float = float_field(
        _D.reg_weight,
        r.REG_WEIGHT,
        "Weight lambda of the information-flow regulariser (Pascanu et al. 2013), rnn only.",
    )
    batch: int = int_field(_D.batch, r.BATCH, "Sequences per update (fresh every update).")
    iterations: int = int_field(_D.iterations, r.ITERATIONS, "Parameter updates.")
    seed: int = int_field(_D.seed, c.SEED, "Seed of the weights, the minibatches and the held-out set.")

    @field_validator("reg_weight")
    @classmethod
    def _rnn_only(cls, v: float, info: ValidationInfo) -> float:
        model = info.data.get("model")
        if v > 0 and model is not None and model != "rnn":
            raise ValueError(
                f"the information-flow regulariser is defined for the vanilla RNN only; set reg_weight=0 for {model}"
            )
        return v


def num(v: float | None) -> float | None:
    """A finite float to 7 significant digits (what the wire carries), or null."""
    return float(f"{v:.7g}") if v is not None and math.isfinite(v) else None


def start_event(cfg: TrainConfig, budget_s: float | None = None) -> dict[str, Any]:
    """The start event: the configuration, the task's sizes and baselines, the time budget (None: none)."""
    info = tasks.info(cfg.task, cfg.lag)
    return {
        "config": asdict(cfg),
        "steps": info.steps,
        "far_until": tasks.far_from(cfg.lag, info.steps),
        "far_distance": info.steps - tasks.far_from(cfg.lag, info.steps),
        "loss_name": "MSE" if cfg.task == "adding" else "cross-entropy",
        "baseline_loss": info.baseline_loss,
        "near_only_loss": info.near_only_loss,
        "chance_accuracy": info.chance_accuracy,
        "budget_s": budget_s,
        "eval_size": r.EVAL_SIZE,
    }


def columns(updates: list[Update], cfg: TrainConfig) -> dict[str, Any]:
    """The updates as columns; accuracy only for recall, omega only with the regulariser (else null)."""
    regularised = cfg.model == "rnn" and cfg.reg_weight > 0
    return {
        "step": [u.step for u in updates],
        "loss": [num(u.loss) for u in updates],
        "accuracy": [u.accuracy for u in updates] if cfg.task == "recall" else None,
        "log10_grad_norm": [num(u.log10_grad_norm) for u in updates],
        "clipped": [u.clipped for u in updates],
        "random_step": [u.random_step for u in updates],
        "nonfinite": [u.nonfinite for u in updates],
        "log10_far_share": [num(u.log10_far_share) for u in updates],
        "omega": [num(u.omega) for u in updates] if regularised else None,
    }


def snapshots(updates: list[Update]) -> list[dict[str, Any]]:
    """The (t, k) rows among the updates: null marks an exact zero; finite is false when any entry overflowed."""
    out = []
    for u in updates:
        if u.log10_state_grad is None:
            continue
        row = u.log10_state_grad
        finite = not bool(np.any(np.isnan(row) | (row == np.inf)))
        out.append({"step": u.step, "finite": finite, "log10_state_grad": [num(float(v)) for v in row]})
    return out


def done_event(
    cfg: TrainConfig, params: Params, reason: str, last: Update | None, t0: float, budget_s: float | None = None
) -> dict[str, Any]:
    """The done event: why the run ended and the held-out score of its final parameters."""
    if last is not None and last.nonfinite and not last.random_step:
        reason = "diverged"
    e = evaluate(cfg, params) if reason != "diverged" else None
    return {
        "reason": reason,
        "updates": 0 if last is None else last.step - (reason == "diverged"),
        "elapsed_s": round(time.monotonic() - t0, 3),
        "budget_s": budget_s,
        "evaluation": None if e is None else {"loss": num(e.loss), "accuracy": e.accuracy, "solved": e.solved},
        "message": message(reason, cfg, last, budget_s),
    }


def message(reason: str, cfg: TrainConfig, last: Update | None, budget_s: float | None = None) -> str:
    """Why the run ended, for a person to read."""
    if reason == "budget":
        return f"Stopped at the time budget of {budget_s:g} s after {last.step if last else 0} of {cfg.iterations} updates."
    if reason == "shutdown":
        return f"The server is restarting: stopped after {last.step if last else 0} of {cfg.iterations} updates."
    if reason == "diverged":
        return (
            f"Update {last.step if last else 0} had an Inf/NaN gradient and was not applied: without clipping the "
            "run cannot go on. Turn clipping on to take a random step of size v instead."
        )
    return f"All {cfg.iterations} updates done."


class TrainStatus(BaseModel):
    """How many trainings run now, and the server's limits."""

    running: int
    limit: int
    budget_s: float
