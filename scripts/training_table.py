"""Training outcomes of the lab: python -m scripts.training_table [--budget 60] [--task adding] (markdown).

Each run trains as GET /api/v1/train does (one BLAS thread, stopped at the time budget or the last update)
and is scored on the held-out set: the adding problem's MSE (always answering 1 scores 0.167, using the near
marker alone 0.083) or the recall task's accuracy (chance 0.25). "Solved from update" is the first update whose
last 50 minibatches average an MSE under 0.01 (accuracy of at least 0.99): it does not depend on the machine.
The budget does: a faster machine gets more updates into it, so the updates column says how far each run got.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from threadpoolctl import threadpool_limits

from core.training import TrainConfig, evaluate, initial_params, train
from core.training.run import SOLVED

ARMS = {
    "LSTM, b_f = 3": {"model": "lstm", "forget_bias": 3.0},
    "LSTM, b_f = 1": {"model": "lstm", "forget_bias": 1.0},
    "LSTM, b_f = 0": {"model": "lstm", "forget_bias": 0.0},
    "LSTM, b_f = -3": {"model": "lstm", "forget_bias": -3.0},
    "GRU, carry bias 1": {"model": "gru", "forget_bias": 1.0},
    "tanh RNN": {"model": "rnn"},
    "tanh RNN, lr 0.001": {"model": "rnn", "lr": 0.001},
}


WINDOW = 50  # updates in the running mean that decides when a run first solves the task


def run(cfg: TrainConfig, budget: float) -> tuple[int, int | None, float, str]:
    """(updates done, first update whose last WINDOW minibatches average a solved score, seconds, held-out
    score) of one run under the time budget."""
    params = initial_params(cfg)
    t0 = time.perf_counter()
    done, first = 0, None
    recent: list[float] = []
    for u in train(cfg, params):
        done = u.step
        recent = [*recent[-(WINDOW - 1) :], u.loss if cfg.task == "adding" else (u.accuracy or 0.0)]
        mean = sum(recent) / len(recent)
        good = mean < SOLVED["adding"] if cfg.task == "adding" else mean >= SOLVED["recall"]
        if first is None and len(recent) == WINDOW and good:
            first = u.step
        if time.perf_counter() - t0 > budget:
            break
    seconds = time.perf_counter() - t0
    e = evaluate(cfg, params)
    score = f"MSE {e.loss:.4f}" if cfg.task == "adding" else f"accuracy {e.accuracy:.3f}"
    return done, first, seconds, score + (" (solved)" if e.solved else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per run, as the server's budget")
    ap.add_argument("--task", choices=["adding", "recall"], action="append")
    ap.add_argument("--lags", type=int, nargs="+", default=[20, 50, 100])
    ap.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    args = ap.parse_args()
    threadpool_limits(limits=1, user_api="blas")
    base = TrainConfig(
        optimizer="adam", lr=0.01, clip="norm", threshold=1.0, hidden=32, batch=32, iterations=20000, seed=0
    )
    print(
        f"Adam lr 0.01 (unless named), norm clipping v = 1, hidden 32, batch 32, seed 0, budget {args.budget:g} s a run.\n"
    )
    print("| task | lag L | model | updates | solved from update | seconds | held-out |")
    print("|---|---|---|---|---|---|---|")
    for task in args.task or ["adding", "recall"]:
        for lag in args.lags:
            for name in args.arms:
                cfg = replace(base, task=task, lag=lag, **ARMS[name])  # type: ignore[arg-type]
                done, first, seconds, score = run(cfg, args.budget)
                print(f"| {task} | {lag} | {name} | {done} | {first or '—'} | {seconds:.0f} | {score} |", flush=True)


if __name__ == "__main__":
    main()
