"""A training run end to end: fresh minibatches, BPTT, clipping, an optimiser, and what each update shows.

train() is a generator: one Update per parameter update, so a caller can stop between any two, stream them,
or hold a time budget. The same configuration gives the same numbers everywhere: every random draw comes
from the seed (initial weights, each minibatch, the random steps at Inf/NaN gradients, the held-out set).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from core.config import Bounds
from core.training import models, tasks
from core.training.models import ModelName, Params
from core.training.optim import ClipName, Optimizer, OptimizerName, clip
from core.training.regularizer import information_flow
from core.training.tasks import TaskName

LAG = Bounds(2, 200)
HIDDEN = Bounds(1, 64)
LR = Bounds(1e-5, 10.0)
THRESHOLD = Bounds(1e-3, 1e3)
FORGET_BIAS = Bounds(-10.0, 10.0)
REG_WEIGHT = Bounds(0.0, 100.0)
BATCH = Bounds(1, 64)
ITERATIONS = Bounds(1, 20000)
SNAPSHOTS = 100  # at most this many (t, k) rows per run, evenly spaced, first and last update included
EVAL_SIZE = 512  # held-out sequences scored at the end
SOLVED = {"adding": 0.01, "recall": 0.99}  # held-out MSE below, or accuracy at least

# Child streams of the seed.
STREAM_INIT, STREAM_BATCHES, STREAM_RANDOM_STEPS, STREAM_EVAL = 0, 1, 2, 3


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a training run."""

    model: ModelName = "lstm"
    task: TaskName = "adding"
    lag: int = 50  # L: adding T = L steps, recall T = L + 1
    hidden: int = 32  # n
    optimizer: OptimizerName = "adam"
    lr: float = 0.01
    clip: ClipName = "norm"
    threshold: float = 1.0  # v of the clipping
    forget_bias: float = 1.0  # LSTM b_f; GRU b_z = -forget_bias
    reg_weight: float = 0.0  # lambda of the information-flow regulariser (rnn only)
    batch: int = 32  # B sequences per update
    iterations: int = 2000  # updates
    seed: int = 0


@dataclass(frozen=True)
class Update:
    """What one parameter update shows."""

    step: int  # 1-based
    loss: float  # on this update's minibatch, before the update (nan if not finite)
    accuracy: float | None  # recall: share of the minibatch named right
    log10_grad_norm: float  # ||dL/dtheta + lambda dOmega/dtheta|| before clipping (nan: Inf/NaN entries)
    clipped: bool
    random_step: bool  # Inf/NaN gradient replaced by a random vector of norm v
    nonfinite: bool  # the gradient had Inf/NaN entries
    log10_far_share: float | None  # log10 ||g_far|| / ||g|| of the cell's loss gradient (None: not defined)
    omega: float | None  # the regulariser's value (rnn with reg_weight > 0)
    log10_state_grad: np.ndarray | None  # (T+1,) log10 ||dL/ds_k||_F over the batch, k = 0..T, on snapshots


@dataclass(frozen=True)
class Evaluation:
    """The final parameters scored on EVAL_SIZE held-out sequences."""

    loss: float
    accuracy: float | None
    solved: bool


def snapshot_steps(iterations: int) -> set[int]:
    """The updates that carry a (t, k) row: at most SNAPSHOTS, evenly spaced, first and last included."""
    count = min(SNAPSHOTS, iterations)
    return {round(1 + i * (iterations - 1) / max(count - 1, 1)) for i in range(count)}


def _validate(cfg: TrainConfig) -> None:
    if cfg.reg_weight > 0 and cfg.model != "rnn":
        raise ValueError("the information-flow regulariser is defined for the vanilla RNN only")
    if not (LAG.lo <= cfg.lag <= LAG.hi):
        raise ValueError(f"lag must be in {LAG.lo:g}..{LAG.hi:g}")


def initial_params(cfg: TrainConfig) -> Params:
    """The seeded starting point of a run."""
    t = tasks.info(cfg.task, cfg.lag)
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(STREAM_INIT,)))
    return models.init(cfg.model, t.inputs, cfg.hidden, t.outputs, cfg.forget_bias, rng)


def _far_share(g: models.Gradients) -> float | None:
    total = models.log10_global_norm([g.grads[k] for k in models.CELL_PARAMS])
    far = models.log10_global_norm([g.far[k] for k in models.CELL_PARAMS])
    share = far - total
    return share if math.isfinite(share) else None


def train(cfg: TrainConfig, params: Params | None = None) -> Iterator[Update]:
    """Run cfg.iterations updates, one Update each, yielded once the update is applied (a caller that stops
    after Update i holds the parameters of i updates). Without clipping, an Inf/NaN gradient ends the run: that
    update is reported (nonfinite) and not applied.

    params: the starting point, updated in place (default: initial_params(cfg)).
    """
    _validate(cfg)
    info = tasks.info(cfg.task, cfg.lag)
    p = initial_params(cfg) if params is None else params
    opt = Optimizer(cfg.optimizer, cfg.lr, p)
    batches = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(STREAM_BATCHES,)))
    random_steps = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(STREAM_RANDOM_STEPS,)))
    far_until = tasks.far_from(cfg.lag, info.steps)
    snaps = snapshot_steps(cfg.iterations)
    for step in range(1, cfg.iterations + 1):
        data = tasks.batch(cfg.task, cfg.lag, cfg.batch, batches)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            tr = models.forward(cfg.model, p, data.x)
            loss, dout, accuracy = tasks.loss(cfg.task, tr.out, data.target)
            g = models.backward(cfg.model, p, tr, dout, far_until)
            grads = g.grads
            omega = None
            if cfg.model == "rnn" and cfg.reg_weight > 0:
                flow = information_flow(p, tr, g.state)
                omega = flow.omega
                grads = {k: grads[k] + cfg.reg_weight * flow.grads[k] if k in flow.grads else grads[k] for k in grads}
            norm = models.log10_global_norm(list(grads.values()))
            nonfinite = not math.isfinite(norm)
            far = _far_share(g)
            state = models.log10_norms(g.state) if step in snaps else None
        out = clip(grads, cfg.clip, cfg.threshold, random_steps)
        diverged = nonfinite and not out.random  # an Inf/NaN step would turn every weight into NaN
        if not diverged:
            with np.errstate(over="ignore", invalid="ignore"):
                opt.step(p, out.grads)
        yield Update(
            step=step,
            loss=loss if math.isfinite(loss) else math.nan,
            accuracy=accuracy,
            log10_grad_norm=norm if not nonfinite else math.nan,
            clipped=out.clipped,
            random_step=out.random,
            nonfinite=nonfinite,
            log10_far_share=far,
            omega=omega,
            log10_state_grad=state,
        )
        if diverged:
            return


def evaluate(cfg: TrainConfig, params: Params) -> Evaluation:
    """Loss (and accuracy) of params on EVAL_SIZE held-out sequences drawn from the seed's own stream."""
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=(STREAM_EVAL,)))
    data = tasks.batch(cfg.task, cfg.lag, EVAL_SIZE, rng)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        tr = models.forward(cfg.model, params, data.x)
        loss, _, accuracy = tasks.loss(cfg.task, tr.out, data.target)
    if not math.isfinite(loss):
        return Evaluation(math.nan, accuracy, False)
    solved = loss < SOLVED["adding"] if cfg.task == "adding" else (accuracy or 0.0) >= SOLVED["recall"]
    return Evaluation(loss, accuracy, solved)
