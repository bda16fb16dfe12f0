"""Optimisers and gradient clipping on parameter dictionaries (the textbook update rules).

With g the (clipped) gradient at step t = 1, 2, ... and lr the learning rate:

sgd       theta -= lr g
momentum  v = mu v - lr g;  theta += v                                      (mu = 0.9)
nesterov  v = mu v + g;  theta -= lr (g + mu v)   Nesterov's look-ahead written at the current parameters
          (Bengio et al. 2012; Sutskever et al. 2013), as PyTorch does            (mu = 0.9)
adagrad   G += g^2;  theta -= lr g / (sqrt(G) + eps)                        (eps = 1e-8)
rmsprop   s = rho s + (1 - rho) g^2;  theta -= lr g / (sqrt(s) + eps)       (rho = 0.9, eps = 1e-8)
adam      m = b1 m + (1 - b1) g;  s = b2 s + (1 - b2) g^2;
          theta -= lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)       (b1 = 0.9, b2 = 0.999, eps = 1e-8)

Clipping with threshold v (Mikolov 2012; Pascanu, Mikolov & Bengio 2013): `norm` rescales g to norm v when
||g|| > v (the direction is kept); `value` clips every entry to [-v, v]. With clipping on, an Inf/NaN gradient
is replaced by a random vector of norm v (its direction drawn from the run's seeded generator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

OptimizerName = Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
OPTIMIZERS: tuple[OptimizerName, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
ClipName = Literal["none", "norm", "value"]
CLIPS: tuple[ClipName, ...] = ("none", "norm", "value")
Params = dict[str, np.ndarray]

MU = 0.9
RHO = 0.9
BETA1, BETA2 = 0.9, 0.999
EPS = 1e-8


@dataclass(frozen=True)
class Clipped:
    """The gradient an optimiser receives and what clipping did to it."""

    grads: Params
    clipped: bool  # clipping changed the gradient
    random: bool  # the gradient was Inf/NaN and a random vector of norm v took its place


def clip(grads: Params, method: ClipName, v: float, rng: np.random.Generator) -> Clipped:
    """Apply clipping `method` with threshold v; see the module docstring."""
    if method == "none":
        return Clipped(grads, False, False)
    if not all(np.all(np.isfinite(g)) for g in grads.values()):
        draw = {k: rng.standard_normal(g.shape) for k, g in grads.items()}
        norm = np.sqrt(sum(float(np.sum(d**2)) for d in draw.values()))
        return Clipped({k: d * (v / norm) for k, d in draw.items()}, True, True)
    if method == "value":
        out = {k: np.clip(g, -v, v) for k, g in grads.items()}
        return Clipped(out, any(np.any(np.abs(g) > v) for g in grads.values()), False)
    top = max(float(np.max(np.abs(g))) for g in grads.values())
    if top == 0.0:
        return Clipped(grads, False, False)
    norm = top * np.sqrt(sum(float(np.sum((g / top) ** 2)) for g in grads.values()))  # no overflow
    if norm <= v:
        return Clipped(grads, False, False)
    return Clipped({k: g * (v / norm) for k, g in grads.items()}, True, False)


class Optimizer:
    """One of OPTIMIZERS with its state; step() updates the parameters in place."""

    def __init__(self, name: OptimizerName, lr: float, params: Params) -> None:
        self.name = name
        self.lr = lr
        self.t = 0
        self.m = {k: np.zeros_like(p) for k, p in params.items()}  # velocity or first moment
        self.s = {k: np.zeros_like(p) for k, p in params.items()}  # accumulated or averaged squares

    def step(self, params: Params, grads: Params) -> None:
        """theta <- theta + update(g) for every parameter."""
        self.t += 1
        lr, t = self.lr, self.t
        for k, g in grads.items():
            p, m, s = params[k], self.m[k], self.s[k]
            if self.name == "sgd":
                p -= lr * g
            elif self.name == "momentum":
                m *= MU
                m -= lr * g
                p += m
            elif self.name == "nesterov":
                m *= MU
                m += g
                p -= lr * (g + MU * m)
            elif self.name == "adagrad":
                s += g**2
                p -= lr * g / (np.sqrt(s) + EPS)
            elif self.name == "rmsprop":
                s *= RHO
                s += (1.0 - RHO) * g**2
                p -= lr * g / (np.sqrt(s) + EPS)
            else:
                m *= BETA1
                m += (1.0 - BETA1) * g
                s *= BETA2
                s += (1.0 - BETA2) * g**2
                p -= lr * (m / (1.0 - BETA1**t)) / (np.sqrt(s / (1.0 - BETA2**t)) + EPS)
