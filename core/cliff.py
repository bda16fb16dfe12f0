"""The cliff of Pascanu, Mikolov & Bengio (2013): a recurrent net with two parameters, and clipping.

x_t = w sigmoid(x_{t-1}) + b,  x_0 = 1/2,  E = (sigmoid(x_T) - 0.7)^2.

Backpropagation through time gives delta_T = dE/dx_T = 2 (s_T - 0.7) s'(x_T), then
delta_{t-1} = delta_t w s'(x_{t-1}), and dE/dw = sum_t delta_t s(x_{t-1}), dE/db = sum_t delta_t.
For w > 1/s'(x_0) the map has two attractors and x_0 is the unstable fixed point between them on the
half-line b = x_0 - w s(x_0): there every factor w s'(x_0) exceeds 1, the gradient grows like
(w s'(x_0))^T, and E jumps from one attractor's value to the other's across it. That is the wall
(for w < -1/s'(x_0) the same line separates the two phases of a 2-cycle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core import deadline
from core.activations import log_sigmoid_derivative
from core.config import Bounds
from core.logmath import log10_abs

X0 = 0.5  # x_0
TARGET = 0.7  # E = (sigmoid(x_T) - TARGET)^2
BOX = 1e6  # a run whose |w| or |b| passes this has been thrown away: it stops
LN10 = math.log(10.0)

CENTER = Bounds(-50.0, 50.0)  # w_center, b_center of the surface
HALF_WIDTH = Bounds(0.01, 50.0)  # w_range, b_range: the surface spans center +- range, so |w|, |b| <= 100
RESOLUTION = Bounds(11, 201)  # grid points per axis
STEPS = Bounds(1, 200)  # T
START = Bounds(-100.0, 100.0)  # w0, b0
LR = Bounds(0.01, 10.0)
THRESHOLD = Bounds(0.01, 10.0)  # v
ITERATIONS = Bounds(1, 500)

Method = Literal["none", "norm", "value"]
METHODS: tuple[Method, ...] = ("none", "norm", "value")
Stop = Literal["box", "overflow"]


@dataclass(frozen=True)
class CliffConfig:
    """The surface window and the gradient-descent runs drawn on it."""

    w_center: float = 0.0
    w_range: float = 10.0  # the surface spans w_center +- w_range
    b_center: float = 0.0
    b_range: float = 10.0
    resolution: int = 161  # grid points per axis (161: steps of 0.125 over [-10, 10])
    steps: int = 50  # T
    # Start of the descent runs: 3e-4 below the wall, where ||grad E|| ~ 950 throws plain descent far away.
    w0: float = 4.75
    b0: float = -2.457
    lr: float = 1.0
    threshold: float = 1.0  # v of both clippings
    iterations: int = 100
    seed: int = 0  # directions of the random steps taken at Inf/NaN gradients


@dataclass(frozen=True)
class Gradients:
    """E and grad E at many (w, b) at once. grad E = scaled * e^log_scale, kept apart so it stays finite."""

    loss: np.ndarray  # (...) E
    scaled: np.ndarray  # (2, ...) (dE/dw, dE/db) / e^log_scale
    log_scale: np.ndarray  # (...) natural log of the common scale

    @property
    def log10_norm(self) -> np.ndarray:
        """log10 ||grad E|| (-inf: exactly zero)."""
        n = np.hypot(self.scaled[0], self.scaled[1])
        return log10_abs(n) + np.where(n > 0, self.log_scale / LN10, 0.0)

    def values(self) -> np.ndarray:
        """(2, ...) dE/dw and dE/db as float64: +-inf where they are beyond float64."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.scaled * np.exp(self.log_scale)
        return np.where(self.scaled == 0, 0.0, out)


def gradients(w: np.ndarray, b: np.ndarray, steps: int) -> Gradients:
    """E and its exact BPTT gradient at every (w[i], b[i]), vectorised over the points.

    w, b: arrays of one shape, |w| and |b| at most 100 (the surface window's bounds).
    steps: T, 1..200.
    delta_T's magnitude is taken in log space; the rest is carried in float64 relative to it and
    rescaled whenever it grows. A backward product that underflows to 0 only drops terms below 1e-308
    of delta_T; the factors after it, at most (|w|/4)^T <= 1e280 here, cannot bring them back near 1e-16.
    """
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    T = steps
    s = np.empty((T + 1, *w.shape))  # (T+1, ...) sigmoid(x_t)
    ds = np.empty((T + 1, *w.shape))  # (T+1, ...) sigmoid'(x_t)
    e = np.empty(w.shape)
    x = np.full(w.shape, X0)
    for t in range(T + 1):
        deadline.check()
        # e = exp(-x), held below e^700: sigmoid is then e^-700 rather than 0 below x = -700, which
        # changes E by nothing and the gradient only in terms below 1e-300 of delta_T.
        np.negative(x, out=e)
        np.minimum(e, 700.0, out=e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=s[t])
        np.reciprocal(s[t], out=s[t])
        np.multiply(e, s[t], out=ds[t])  # s' = (e s) s: e s = 1 - s without the cancellation near s = 1
        ds[t] *= s[t]
        if t < T:
            x = w * s[t]
            x += b
    err = s[T] - TARGET
    loss = err * err
    log_scale = np.log(2.0) + np.log(np.where(err == 0, 1.0, np.abs(err))) + log_sigmoid_derivative(x)
    d = np.sign(err)  # delta_t / e^log_scale
    acc = np.zeros((2, *w.shape))
    factor = w * ds  # (T+1, ...) w s'(x_t)
    for t in range(T, 0, -1):
        deadline.check()
        acc[0] += d * s[t - 1]
        acc[1] += d
        if t > 1:
            d *= factor[t - 1]
            if (T - t) % 8 == 7:  # keep |d| <= 1: 8 factors of at most |w|/4 cannot overflow in between
                _, exponent = np.frexp(d)
                shift = np.maximum(exponent, 0)
                d = np.ldexp(d, -shift)
                acc = np.ldexp(acc, -shift)
                log_scale = log_scale + shift * math.log(2.0)
    return Gradients(loss=loss, scaled=acc, log_scale=log_scale)


def wall(
    w_lim: tuple[float, float], b_lim: tuple[float, float], steps: int, points: int = 41
) -> list[dict[str, np.ndarray]]:
    """The two half-lines b = x_0 - w s(x_0), |w| > 1/s'(x_0), inside the window, with log10 ||grad E|| on them."""
    (w_min, w_max), (b_min, b_max) = w_lim, b_lim
    s0 = 1.0 / (1.0 + math.exp(-X0))
    w_edge = 1.0 / (s0 * (1.0 - s0))
    out = []
    for lo, hi in ((max(w_min, w_edge), w_max), (w_min, min(w_max, -w_edge))):
        if lo >= hi:
            continue
        # where the line is inside the b range
        ends = sorted(((X0 - b_min) / s0, (X0 - b_max) / s0))
        lo, hi = max(lo, ends[0]), min(hi, ends[1])
        if lo >= hi:
            continue
        ws = np.linspace(lo, hi, points)
        bs = X0 - ws * s0
        out.append({"w": ws, "b": bs, "log10_norm": gradients(ws, bs, steps).log10_norm})
    return out


@dataclass(frozen=True)
class Surface:
    """E and log10 ||grad E|| over the window: rows are b, columns are w."""

    w: np.ndarray  # (n,)
    b: np.ndarray  # (n,)
    loss: np.ndarray  # (n, n) E[i, j] at (w[j], b[i])
    log10_norm: np.ndarray  # (n, n)
    wall: list[dict[str, np.ndarray]]  # the half-lines where x_0 is an unstable fixed point


def surface(cfg: CliffConfig) -> Surface:
    """E and log10 ||grad E|| on a resolution x resolution grid, and the wall inside it."""
    w_lim = (cfg.w_center - cfg.w_range, cfg.w_center + cfg.w_range)
    b_lim = (cfg.b_center - cfg.b_range, cfg.b_center + cfg.b_range)
    ws = np.linspace(*w_lim, cfg.resolution)
    bs = np.linspace(*b_lim, cfg.resolution)
    W, B = np.meshgrid(ws, bs)  # (n, n) each, rows b
    g = gradients(W, B, cfg.steps)
    return Surface(ws, bs, g.loss, g.log10_norm, wall(w_lim, b_lim, cfg.steps))


@dataclass(frozen=True)
class Point:
    """E and grad E at one (w, b), in plain floats: fast enough for a thousand evaluations per run."""

    loss: float
    grad: tuple[float, float]  # (dE/dw, dE/db) as float64: +-inf beyond it
    log10_norm: float  # log10 ||grad E||, finite however large or small (-inf: exactly zero)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _log_dsigmoid(x: float) -> float:
    m = abs(x)
    return -m - 2.0 * math.log1p(math.exp(-m))


def point(w: float, b: float, steps: int) -> Point:
    """E and its exact gradient at one (w, b); every product is carried in log space."""
    xs = [X0]
    for _ in range(steps):
        deadline.check()
        xs.append(w * _sigmoid(xs[-1]) + b)
    err = _sigmoid(xs[-1]) - TARGET
    if err == 0.0:
        return Point(0.0, (0.0, 0.0), -math.inf)
    log_w = math.log(abs(w)) if w != 0 else -math.inf
    sign_w = 1.0 if w >= 0 else -1.0
    ld = math.log(2.0 * abs(err)) + _log_dsigmoid(xs[-1])  # log |delta_t|
    sign = 1.0 if err > 0 else -1.0
    ref = ld  # accumulators are in units of e^ref, ref = the largest log |delta_t| so far
    gw = gb = 0.0
    for t in range(steps, 0, -1):
        deadline.check()
        if ld > ref:
            shrink = math.exp(ref - ld)
            gw, gb, ref = gw * shrink, gb * shrink, ld
        term = sign * math.exp(ld - ref)
        gw += term * _sigmoid(xs[t - 1])
        gb += term
        ld += log_w + _log_dsigmoid(xs[t - 1])
        sign *= sign_w
    n = math.hypot(gw, gb)
    if n == 0.0:
        return Point(err * err, (0.0, 0.0), -math.inf)
    return Point(err * err, (_times_exp(gw, ref), _times_exp(gb, ref)), (math.log(n) + ref) / LN10)


def _times_exp(a: float, log_scale: float) -> float:
    """a e^log_scale, +-inf past float64."""
    if a == 0.0:
        return 0.0
    big = math.log(abs(a)) + log_scale
    return math.copysign(math.inf, a) if big > 709.78 else math.copysign(math.exp(big), a)


def update(
    grad: tuple[float, float], method: Method, v: float, rng: np.random.Generator
) -> tuple[np.ndarray, bool, bool]:
    """The vector a step subtracts (times lr), whether clipping changed it, and whether it is the random one.

    none: the gradient. norm: g v / ||g|| when ||g|| > v (the direction is kept). value: each component
    clipped to [-v, v]. A clipped run given an Inf/NaN gradient takes a random vector of norm v instead.
    """
    g = np.array(grad, dtype=float)
    if method == "none":
        return g, False, False
    if not np.all(np.isfinite(g)):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        return v * np.array([math.cos(angle), math.sin(angle)]), False, True
    if method == "norm":
        big = float(np.max(np.abs(g)))
        if big == 0.0:
            return g, False, False
        u = g / big  # ||g|| = big ||u||, which does not overflow near 1e308
        return (u * (v / math.hypot(*u)), True, False) if big * math.hypot(*u) > v else (g, False, False)
    clipped = np.clip(g, -v, v)
    return clipped, bool(np.any(clipped != g)), False


@dataclass
class Run:
    """One descent: the points visited (start included) and what each step did."""

    method: Method
    w: list[float] = field(default_factory=list)  # (k+1,)
    b: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    log10_norm: list[float] = field(default_factory=list)  # log10 ||grad E|| at each point
    clipped: list[bool] = field(default_factory=list)  # (k,) clipping changed this step's gradient
    random: list[bool] = field(default_factory=list)  # (k,) this step was the random one
    stopped: Stop | None = None  # box: |w| or |b| passed BOX; overflow: a step or gradient past float64

    def visit(self, w: float, b: float, p: Point) -> None:
        self.w.append(w)
        self.b.append(b)
        self.loss.append(p.loss)
        self.log10_norm.append(p.log10_norm)


def descend(cfg: CliffConfig, method: Method, rng: np.random.Generator) -> Run:
    """Up to cfg.iterations steps of (w, b) <- (w, b) - lr * update(grad E) from (w0, b0)."""
    run = Run(method)
    w, b = cfg.w0, cfg.b0
    p = point(w, b, cfg.steps)
    run.visit(w, b, p)
    for _ in range(cfg.iterations):
        deadline.check()
        step, clipped, random = update(p.grad, method, cfg.threshold, rng)
        with np.errstate(over="ignore"):
            w, b = (float(v) for v in np.array([w, b]) - cfg.lr * step)
        if not (math.isfinite(w) and math.isfinite(b)):
            run.stopped = "overflow"
            break
        run.clipped.append(clipped)
        run.random.append(random)
        p = point(w, b, cfg.steps)
        run.visit(w, b, p)
        if abs(w) > BOX or abs(b) > BOX:
            run.stopped = "box"
            break
    return run


def descents(cfg: CliffConfig) -> dict[Method, Run]:
    """The three runs from one start: no clipping, norm clipping, element-wise clipping."""
    streams = np.random.SeedSequence(cfg.seed).spawn(len(METHODS))
    return {m: descend(cfg, m, np.random.default_rng(s)) for m, s in zip(METHODS, streams, strict=True)}
