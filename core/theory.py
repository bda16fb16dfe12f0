"""Theory beside the measured curves: mean-field growth rates and the edge of chaos.

Mean field (Poole et al. 2016, Pennington et al. 2017, with an input). For the gaussian init and large n the
pre-activations a_t = W h_{t-1} + U x_t + b have entries ~ N(bias, q_t), with

    q_1 = input_scale^2 (h_0 = 0),   q_{t+1} = F(q_t) = scale^2 E_{a ~ N(bias, q_t)}[phi(a)^2] + input_scale^2,

and J_t = diag(phi'(a_t)) W multiplies squared lengths on average by chi = scale^2 E_{a ~ N(bias, q*)}[phi'(a)^2]:
||dh_T/dh_k||_2 changes by 0.5 log10 chi per step, and chi = 1 is the edge of chaos. q* is the limit of q_t from
q_1: the smallest root of F(q) = q at or above q_1 (with input_scale = bias = 0 the state stays at h = 0: q* = 0).

relu, leaky relu, linear (phi(a) = a above 0, slope * a below): closed forms in the normal cdf. F increases in q,
and in t = 1/sqrt(q) the excess (F(q) - q) / q is monotone (bias >= 0) or convex (bias < 0), so the smallest root
is found exactly: the minimum of a convex function, then one bracketed root. No root means q_t grows without
bound: q* = inf, converged = False, and chi takes its q -> inf value scale^2 (1 + slope^2) / 2 (relu 1/2, leaky
relu (1 + 0.01^2) / 2, linear 1); the critical case (linear at scale 1 with an input) diverges, as q_t does.

tanh, sigmoid: phi^2 < 1 puts q* in [q_1, q_1 + scale^2]; the first sign change of F(q) - q on a 33-point grid
there, then regula falsi (equal to the limit of the plain iteration within 1e-9 on 4920 cases spanning the
slider ranges of bias, input_scale and scale). The expectations are a trapezoid rule in z = (a - bias) / sqrt(q) on [-10, 10] with
step 0.3 / max(1, sqrt(q)), relative error below 3e-10, phi'^2 summed in log space so saturated tails never
underflow. 101-node Gauss-Hermite is 2x off for chi at scale 10: its nodes cannot resolve the O(1)-wide bump
of phi'^2 under a distribution of width 10.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.activations import ACTIVATIONS, LEAKY_SLOPE
from core.config import SCALE
from core.logmath import LN10, log10_abs

SLIDER_SCALES = np.linspace(0.0, SCALE.hi, 201)  # the scale slider at steps of 0.05
_SLOPE = {"relu": 0.0, "leaky_relu": LEAKY_SLOPE, "linear": 1.0}
_Z, _STEP = 10.0, 0.3  # quadrature half-width in standard deviations, step per unit of sqrt(q)
_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)
_Nodes = tuple[np.ndarray, np.ndarray]  # quadrature nodes z and natural-log weights


@dataclass(frozen=True)
class MeanField:
    """Large-n prediction for a gaussian-init RNN."""

    q_star: float  # pre-activation variance at the fixed point; inf when q_t diverges
    chi: float  # scale^2 E[phi'(a)^2] at q_star
    log10_growth_per_step: float  # 0.5 log10 chi (-inf when chi = 0)
    converged: bool  # q_t has a finite limit


def _cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.asarray(_erfc(-x / math.sqrt(2.0)), dtype=float)


def _pdf(x: np.ndarray) -> np.ndarray:
    with np.errstate(under="ignore"):
        return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _illinois(f: Callable[[np.ndarray, np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise root of f(index, x) between a (f > 0) and b (f <= 0): regula falsi, Illinois variant."""
    idx = np.arange(a.size)
    fa, fb = f(idx, a), f(idx, b)
    side = np.zeros(a.size)  # the end replaced last: +1 a, -1 b
    live = (fb != 0) & (np.abs(b - a) > 4e-16 * np.maximum(np.abs(a), np.abs(b)))
    for _ in range(200):
        if not live.any():
            break
        i = np.flatnonzero(live)
        x = b[i] - fb[i] * (b[i] - a[i]) / (fb[i] - fa[i])
        fx = f(i, x)
        neg = fx <= 0  # x replaces b; replacing the same end twice halves the other end's value
        fa[i] = np.where(neg & (side[i] < 0), 0.5 * fa[i], fa[i])
        fb[i] = np.where(~neg & (side[i] > 0), 0.5 * fb[i], fb[i])
        a[i], fa[i] = np.where(neg, a[i], x), np.where(neg, fa[i], fx)
        b[i], fb[i] = np.where(neg, x, b[i]), np.where(neg, fx, fb[i])
        side[i] = np.where(neg, -1.0, 1.0)
        live[i] = (fx != 0) & (np.abs(b[i] - a[i]) > 4e-16 * np.maximum(np.abs(a[i]), np.abs(b[i])))
    return np.where(np.abs(fa) < np.abs(fb), a, b)


def _quadrature(sigma_max: float) -> _Nodes:
    h = _STEP / max(1.0, sigma_max)
    z = h * np.arange(-math.ceil(_Z / h), math.ceil(_Z / h) + 1)
    log_w = -0.5 * z * z
    return z, log_w - np.log(np.sum(np.exp(log_w)))


def _bounded(name: str, s2: np.ndarray, q1: float, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """(q*, ln E[phi'(a)^2] at q*) per scale for tanh / sigmoid."""
    act = ACTIVATIONS[name]
    z, log_w = _quadrature(math.sqrt(q1 + float(np.max(s2, initial=0.0))))
    w = np.exp(log_w)

    def excess(s2_: np.ndarray, q: np.ndarray) -> np.ndarray:  # F(q) - q
        flat, mean = q.ravel(), np.empty(q.size)
        for i in range(0, flat.size, 1024):
            mean[i : i + 1024] = act.phi(mu + np.sqrt(flat[i : i + 1024])[:, None] * z) ** 2 @ w
        return s2_ * mean.reshape(q.shape) + q1 - q

    q = np.full(s2.shape, q1)
    todo = np.flatnonzero(excess(s2, q) > 0)
    u = np.unique(np.concatenate([np.linspace(0.0, 1.0, 17), np.geomspace(1e-15, 1.0, 16)]))
    grid = q1 + s2[todo, None] * u
    neg = excess(s2[todo, None], grid) <= 0
    neg[:, -1] = True  # F(q_1 + scale^2) <= q_1 + scale^2 as phi^2 <= 1
    first = np.argmax(neg, axis=1)
    rows = np.arange(todo.size)
    q[todo] = _illinois(lambda i, x: excess(s2[todo][i], x), grid[rows, first - 1], grid[rows, first])
    terms = 2.0 * act.log_dphi(mu + np.sqrt(q)[:, None] * z) + log_w
    top = np.max(terms, axis=1)
    with np.errstate(under="ignore"):
        return q, top + np.log(np.sum(np.exp(terms - top[:, None]), axis=1))


def _homogeneous(name: str, s2: np.ndarray, q1: float, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """(q*, ln E[phi'(a)^2] at q*) per scale for relu / leaky relu / linear, in t = 1/sqrt(q)."""
    k = _SLOPE[name] ** 2
    lin = s2 * k * mu * mu + q1

    def h(s2_: np.ndarray, lin_: np.ndarray, t: np.ndarray) -> np.ndarray:  # (F(q) - q) / q
        nu = mu * t  # half + nu pdf = E[relu(nu + Z)^2] - 1/2: exactly 0 at nu = 0, no rounding root at criticality
        half = 0.5 * (nu * nu + 1.0) * np.asarray(_erf(nu / math.sqrt(2.0)), dtype=float) + 0.5 * nu * nu
        return s2_ * (0.5 + 0.5 * k) - 1.0 + s2_ * (1.0 - k) * (half + nu * _pdf(nu)) + lin_ * t * t

    def dh(s2_: np.ndarray, lin_: np.ndarray, t: np.ndarray) -> np.ndarray:
        nu = mu * t
        return 2.0 * s2_ * (1.0 - k) * mu * (nu * _cdf(nu) + _pdf(nu)) + 2.0 * lin_ * t

    # F increases in q: q* >= q_lo = q_1, or F(0) when q_1 = 0; q* = q_lo when F(q_lo) = q_lo.
    q_lo = np.full(s2.shape, q1) if q1 > 0 else s2 * (k * mu * mu + (1.0 - k) * max(mu, 0.0) ** 2)
    q = q_lo.copy()
    todo = np.flatnonzero(q_lo > 0)
    t_max = 1.0 / np.sqrt(q_lo[todo])
    moves = h(s2[todo], lin[todo], t_max) > 0
    todo, t_max = todo[moves], t_max[moves]
    s2_, lin_ = s2[todo], lin[todo]
    # Minimum of h over [0, t_max]: 0 when h increases (bias >= 0, linear), else the zero of h' (h convex).
    t_min, lo, hi = np.zeros(todo.size), np.zeros(todo.size), t_max.copy()
    dip = dh(s2_, lin_, t_min) < 0
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        up = dh(s2_, lin_, mid) >= 0
        lo, hi = np.where(up, lo, mid), np.where(up, mid, hi)
    t_min[dip] = hi[dip]
    has_root = h(s2_, lin_, t_min) <= 0
    t = np.zeros(todo.size)  # t = 0: q diverges
    r = np.flatnonzero(has_root)
    t[r] = _illinois(lambda i, x: h(s2_[r][i], lin_[r][i], x), t_max[r], t_min[r])
    q[todo] = np.divide(1.0, t * t, out=np.full(t.shape, np.inf), where=t > 0)
    frac = np.full(q.shape, 0.5)  # q = inf: half the mass on each side of 0
    frac[np.isfinite(q)] = _cdf(mu / np.sqrt(np.where(q > 0, q, 1.0)[np.isfinite(q)]))
    frac[q == 0] = np.exp(2.0 * ACTIVATIONS[name].log_dphi(np.array(mu)))  # a = bias exactly
    mean = k + (1.0 - k) * frac
    return q, np.log(mean, out=np.full(q.shape, -np.inf), where=mean > 0)


def _solve(activation: str, scales: np.ndarray, input_scale: float, bias: float) -> tuple[np.ndarray, np.ndarray]:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    solve = _homogeneous if activation in _SLOPE else _bounded
    return solve(activation, np.asarray(scales, dtype=float) ** 2, float(input_scale) ** 2, float(bias))


def chi_curve(activation: str, input_scale: float, bias: float, scales: np.ndarray) -> np.ndarray:
    """chi = scale^2 E[phi'(a)^2], a ~ N(bias, q*(scale)), for each scale (the q -> inf value where q diverges)."""
    s = np.abs(np.asarray(scales, dtype=float))
    _, log_mean = _solve(activation, s.ravel(), input_scale, bias)
    with np.errstate(under="ignore"):
        return s**2 * np.exp(log_mean).reshape(s.shape)


def mean_field(activation: str, scale: float, input_scale: float, bias: float) -> MeanField:
    """Fixed-point variance q*, chi and the predicted log10 growth of ||dh_T/dh_k||_2 per step."""
    s = abs(float(scale))
    q, log_mean = _solve(activation, np.array([s]), input_scale, bias)
    growth = float(log10_abs(np.array(s))[()] + 0.5 * log_mean[0] / LN10)
    return MeanField(float(q[0]), s * s * math.exp(float(log_mean[0])), growth, bool(np.isfinite(q[0])))


def edge_of_chaos(activation: str, input_scale: float, bias: float, chi: np.ndarray | None = None) -> float | None:
    """Smallest scale in (0, SCALE.hi] with chi = 1 (where gradients stop vanishing); None if chi < 1 throughout.

    chi(0) = 0; the chi curve at SLIDER_SCALES (steps of 0.05; pass it as `chi` when already computed) gives the
    first scale with chi >= 1, bisection the crossing.
    """
    if chi is None:
        chi = chi_curve(activation, input_scale, bias, SLIDER_SCALES)
    above = np.flatnonzero(chi >= 1.0)
    if above.size == 0:
        return None
    lo, hi = float(SLIDER_SCALES[above[0] - 1]), float(SLIDER_SCALES[above[0]])
    while lo < 0.5 * (lo + hi) < hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if mean_field(activation, mid, input_scale, bias).chi >= 1.0 else (mid, hi)
    return hi
