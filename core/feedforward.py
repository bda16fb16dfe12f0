"""Deep feed-forward network: depth in layers is depth in time.

h_0 = x (a batch of B examples, width n), a_l = h_{l-1} W_l^T (no bias), optionally batch-normalised,
h_l = phi(.), l = 1..L; loss E = (1/B) sum_b <u_b, h_L[b]> (u_b a seeded unit readout per example).
Backprop through L layers multiplies L Jacobians as BPTT does through L steps, so the same vanishing and exploding gradients appear: layers near the input
learn slowest (or fastest), ReLUs die, sigmoid and tanh saturate.

Numbers far outside float64 range (an N(0, 1) net of width 256 grows ~16x per layer, a small-init sigmoid
one shrinks ~100x) are carried as (matrix, exponent) pairs: the true value is matrix * 2**exponent and
every carried matrix is rescaled by an exact power of two to a peak |entry| in [1/2, 1) (or is all zero).
ReLU, leaky ReLU and linear are positively homogeneous, so phi is applied to the rescaled pre-activation;
tanh acts as the identity on |a| < 2**-30, so a vanished tanh signal is carried the same way; otherwise the
true pre-activation is bounded and is formed explicitly. A batch-normalised pre-activation is bounded by
sqrt(B). Results are log10 values: finite, -inf only for exact zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from core import deadline
from core.activations import ACTIVATIONS
from core.config import INPUT_SCALE, SEED, ActivationName, Bounds
from core.logmath import log10_abs

FFInit = Literal["normal", "small", "xavier", "he", "orthogonal"]
FF_INITS: tuple[FFInit, ...] = ("normal", "small", "xavier", "he", "orthogonal")

LAYERS = Bounds(1, 100)
WIDTH = Bounds(1, 256)
BATCH = Bounds(2, 256)
# Slider ranges keyed by FFConfig field; input scale and seed share the recurrent runs' ranges.
BOUNDS: dict[str, Bounds] = {"layers": LAYERS, "width": WIDTH, "batch": BATCH, "input_scale": INPUT_SCALE, "seed": SEED}

BN_EPS = 1e-5
SMALL_STD = 0.01
# Pre-activation histogram: 40 bins [k/2 - 10, k/2 - 9.5), k = 0..39, shared by every layer; values
# below -10 and at or above 10 are counted apart.
HIST_EDGES = np.linspace(-10.0, 10.0, 41)
_HIST_BINS = HIST_EDGES.size - 1
# tanh / sigmoid are saturated where phi'(a) < SATURATION * gamma.
SATURATION = 1e-3
# |tanh(a) - a| <= |a|^3 / 3 is below half an ulp of a for |a| < 2**-27.
_TANH_IDENTITY_LOG2 = -30
_LOG10_2 = float(np.log10(2.0))

# Seed streams live under spawn key (0xFF, ...), apart from the recurrent runs' (0..3,).
_NAMESPACE = 0xFF
_STREAM_W, _STREAM_X, _STREAM_U = 0, 1, 2


@dataclass(frozen=True)
class FFConfig:
    """A deep feed-forward run: L square layers of width n on a batch of B Gaussian inputs."""

    layers: int = 20  # L; layer l maps h_{l-1} to h_l
    width: int = 32  # n: units per layer, also the input dimension
    activation: ActivationName = "tanh"  # phi
    init: FFInit = "xavier"  # normal N(0,1), small N(0,0.01^2), xavier N(0,1/n), he N(0,2/n), orthogonal Haar
    batch_norm: bool = False  # normalise each pre-activation over the batch (gamma 1, beta 0, eps BN_EPS)
    batch: int = 64  # B examples
    input_scale: float = 1.0  # x ~ N(0, input_scale^2)
    seed: int = 0


@dataclass(frozen=True)
class FFTrace:
    """One forward pass. True values are the stored ones times 2**log2 (a power per layer)."""

    activation: str
    batch_norm: bool
    states: np.ndarray  # (L+1, B, n) h_0 = x, h_1..h_L
    states_log2: np.ndarray  # (L+1,) int
    pre: np.ndarray  # (L, B, n) the values phi is applied to (after BN when on)
    pre_log2: np.ndarray  # (L,) int; 0 with BN
    dphi: np.ndarray  # (L, B, n) phi'(pre) divided by its layer maximum (all 0 if phi' = 0 everywhere)
    dphi_log2: np.ndarray  # (L,) float: log2 of that maximum
    flat: np.ndarray  # (L, B, n) bool, phi's flat region: relu / leaky relu a <= 0, tanh / sigmoid
    # phi'(a) < SATURATION * gamma, linear never
    inv_std: np.ndarray | None  # (L, n) 1 / sqrt(batch variance of a_l + eps) with BN, else None


@dataclass(frozen=True)
class FFGrads:
    """Backprop of E through a trace. True gradients are the stored ones times 2**log2."""

    grad_h: np.ndarray  # (L+1, B, n) dE/dh_l, l = 0..L
    grad_h_log2: np.ndarray  # (L+1,) float
    log10_grad_h: np.ndarray  # (L+1,) log10 ||dE/dh_l||_F
    log10_grad_w: np.ndarray  # (L,) log10 ||dE/dW_l||_F, entry l-1 for layer l
    grad_w: np.ndarray | None  # (L, n, n) dE/dW_l when asked for, else None
    grad_w_log2: np.ndarray  # (L,) float


@dataclass(frozen=True)
class FFResult:
    """Everything one run shows, per layer. Entry l-1 of an (L,) array is layer l; log10 -inf is an exact 0."""

    log10_grad_h: np.ndarray  # (L+1,) log10 ||dE/dh_l||_F over the batch, l = 0 (input)..L
    log10_grad_w: np.ndarray  # (L,) log10 ||dE/dW_l||_F
    log10_rms_h: np.ndarray  # (L+1,) log10 RMS of h_l's entries, l = 0 (input)..L
    hist_edges: np.ndarray  # (41,) HIST_EDGES
    hist_counts: np.ndarray  # (L, 40) int: pre-activations per bin [edges[k], edges[k+1])
    hist_below: np.ndarray  # (L,) int: pre-activations < edges[0]
    hist_above: np.ndarray  # (L,) int: pre-activations >= edges[-1]
    saturated_fraction: np.ndarray  # (L,) fraction of the B*n pre-activations in phi's flat region
    dead_fraction: np.ndarray  # (L,) fraction of units in the flat region for every example of the batch
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # W (L, n, n), x (B, n), u (B, n)


def flat_threshold(activation: str) -> float | None:
    """tanh / sigmoid: the |a| beyond which phi'(a) < SATURATION * gamma (the flat tails); None for the others."""
    act = ACTIVATIONS[activation]
    if act.homogeneous:
        return None
    target = float(np.log(SATURATION * act.gamma))
    lo, hi = 0.0, 64.0  # log phi' falls monotonically in |a| from its peak at 0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if float(act.log_dphi(np.array(mid))) < target else (mid, hi)
    return hi


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(_NAMESPACE, *key)))


# One layer's unit-scale draw: moving L, B, the input scale or between normal / small / xavier / he
# draws nothing new. At n = 256 an entry is 0.5 MB (the cache at most 64 MB); a QR for the orthogonal one
# costs ~6 ms.
@lru_cache(maxsize=128)
def _unit_layer(seed: int, width: int, layer: int, orthogonal: bool) -> np.ndarray:
    m = _stream(seed, _STREAM_W, layer).standard_normal((width, width))
    if orthogonal:
        # Haar measure: QR of the Gaussian draw with the signs of R's diagonal folded into Q.
        q, r = np.linalg.qr(m)
        signs = np.sign(np.diagonal(r))
        signs[signs == 0] = 1.0
        m = q * signs
    m.setflags(write=False)
    return m


def init_std(init: FFInit, width: int) -> float:
    """Entry standard deviation of a Gaussian init; for orthogonal, the gain."""
    # Xavier: 2 / (fan_in + fan_out) = 1 / n; He: 2 / fan_in = 2 / n.
    stds = {"normal": 1.0, "small": SMALL_STD, "xavier": np.sqrt(1.0 / width), "he": np.sqrt(2.0 / width)}
    return float(stds.get(init, 1.0))


def layer_weights(seed: int, width: int, layers: int, init: FFInit) -> np.ndarray:
    """W_1..W_L, shape (L, n, n); layer l has its own stream, so changing L keeps the other layers."""
    out = np.empty((layers, width, width))
    std = init_std(init, width)
    for l in range(layers):
        deadline.check()
        np.multiply(_unit_layer(seed, width, l + 1, init == "orthogonal"), std, out=out[l])
    return out


def inputs(seed: int, batch: int, width: int, input_scale: float) -> np.ndarray:
    """x ~ N(0, input_scale^2), shape (B, n); changing B keeps the first examples."""
    return input_scale * _stream(seed, _STREAM_X).standard_normal((batch, width))


def probe(seed: int, batch: int, width: int) -> np.ndarray:
    """The unit rows u_b of the loss E = (1/B) sum_b <u_b, h_L[b]>, shape (B, n); changing B keeps the first rows.

    One random readout direction per example: with a single shared u, batch normalisation (zero batch mean)
    would make a linear network's E identically 0.
    """
    u = _stream(seed, _STREAM_U).standard_normal((batch, width))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _scale2(m: np.ndarray, k: int) -> None:
    """m *= 2**k in place, exactly (steps of at most 2**±1000, all normal numbers)."""
    # Entries more than 2**1074 below the peak flush to 0: they are 0 in float64 beside it.
    with np.errstate(under="ignore"):
        while k:
            step = max(-1000, min(1000, k))
            m *= 2.0**step
            k -= step


def _normalise(m: np.ndarray) -> int:
    """Rescale m in place to a peak |entry| in [1/2, 1); returns the exponent e with old m = new m * 2**e."""
    peak = max(float(m.max()), -float(m.min()))
    if peak == 0.0:
        return 0
    k = int(np.frexp(peak)[1])
    _scale2(m, -k)
    return k


def forward(W: np.ndarray, x: np.ndarray, activation: str, batch_norm: bool = False) -> FFTrace:
    """Run the batch x (B, n) through W (L, n, n)."""
    act = ACTIVATIONS[activation]
    L, (B, n) = W.shape[0], x.shape
    states = np.empty((L + 1, B, n))
    states_log2 = np.zeros(L + 1, dtype=np.int64)
    pre = np.empty((L, B, n))
    pre_log2 = np.zeros(L, dtype=np.int64)
    dphi = np.empty((L, B, n))
    dphi_log2 = np.zeros(L)
    flat = np.empty((L, B, n), dtype=bool)
    inv_std = np.empty((L, n)) if batch_norm else None
    flat_below = 0.0 if act.homogeneous else float(np.log(SATURATION * act.gamma))
    states[0] = x
    states_log2[0] = _normalise(states[0])
    for l in range(L):
        deadline.check()
        a, p = pre[l], int(states_log2[l])
        np.matmul(states[l], W[l].T, out=a)  # (B, n): a_l / 2**p
        if inv_std is not None:
            _scale2(a, p)  # in range: a BN layer is fed x or phi(z), |z| <= sqrt(B)
            p = 0
            a -= a.mean(axis=0)
            with np.errstate(under="ignore"):  # squares below 1e-308 are 0 beside eps
                inv_std[l] = 1.0 / np.sqrt(np.mean(a * a, axis=0) + BN_EPS)  # (n,)
            a *= inv_std[l]
        if act.homogeneous:
            states[l + 1] = act.phi(a)  # phi(a * 2**p) = phi(a) * 2**p
            log_d = act.log_dphi(a)
        elif activation == "tanh" and int(np.frexp(max(float(a.max()), -float(a.min())))[1]) + p < _TANH_IDENTITY_LOG2:
            states[l + 1] = a  # tanh(a) = a to double precision
            log_d = np.zeros_like(a)
        else:
            _scale2(a, p)  # bounded input, hence in range
            p = 0
            states[l + 1] = act.phi(a)
            log_d = act.log_dphi(a)
        pre_log2[l] = p
        states_log2[l + 1] = p + _normalise(states[l + 1])
        np.less(log_d, flat_below, out=flat[l])
        top, low = float(log_d.max()), float(log_d.min())
        if not np.isfinite(top):  # phi' = 0 for every entry
            dphi[l] = 0.0
            continue
        dphi_log2[l] = top / np.log(2.0)
        if act.homogeneous:  # phi' takes two values: the larger one and the smaller one
            np.copyto(dphi[l], np.where(log_d == top, 1.0, np.exp(low - top)))
        else:
            with np.errstate(under="ignore"):  # phi' more than e^-745 below the layer's largest: 0 beside it
                np.exp(log_d - top, out=dphi[l])
    return FFTrace(activation, batch_norm, states, states_log2, pre, pre_log2, dphi, dphi_log2, flat, inv_std)


def _log10_frobenius(m: np.ndarray, log2: np.ndarray | float) -> np.ndarray:
    """log10 ||m_i * 2**log2_i||_F over the trailing two axes (m C-contiguous)."""
    flat = m.reshape(-1, m.shape[-2] * m.shape[-1])  # (count, rows * cols)
    sq = np.array([np.dot(r, r) for r in flat])
    return log10_abs(np.sqrt(sq.reshape(m.shape[:-2]))) + np.asarray(log2) * _LOG10_2


def backward(trace: FFTrace, W: np.ndarray, u: np.ndarray, keep_grad_w: bool = False) -> FFGrads:
    """Gradients of E = (1/B) sum_b <u_b, h_L[b]> with respect to every h_l and W_l (BN's Jacobian included).

    u has shape (B, n), or (n,) for one readout shared by every example.
    """
    L, B, n = trace.pre.shape
    grad_h = np.empty((L + 1, B, n))
    grad_h_log2 = np.zeros(L + 1)
    grad_w = np.empty((L, n, n)) if keep_grad_w else None
    grad_w_log2 = np.zeros(L)
    log10_grad_w = np.empty(L)
    grad_h[L] = u / B  # (B, n), or (n,) broadcast over the batch
    grad_h_log2[L] = _normalise(grad_h[L])
    for l in range(L, 0, -1):
        deadline.check()
        i = l - 1
        delta = grad_h[l] * trace.dphi[i]  # (B, n): dE/d(pre_l) / 2**d
        d = grad_h_log2[l] + trace.dphi_log2[i]
        if trace.inv_std is not None:
            # z = (a - mean) / sigma: dE/da = (g - mean(g) - z mean(g z)) / sigma, means over the batch.
            z = trace.pre[i]
            delta = (delta - delta.mean(axis=0) - z * np.mean(delta * z, axis=0)) * trace.inv_std[i]
        d += _normalise(delta)
        h = trace.states[i]
        grad_w_log2[i] = d + trace.states_log2[i]
        if grad_w is not None or n <= B:
            dw = delta.T @ h  # (n, n): dE/dW_l = delta_l^T h_{l-1}
            log10_grad_w[i] = _log10_frobenius(dw, grad_w_log2[i])
            if grad_w is not None:
                grad_w[i] = dw
        else:  # ||D^T H||_F^2 = <D D^T, H H^T>: two (B, B) Gram matrices cost B^2 n, the product B n^2
            sq = max(float(np.dot((delta @ delta.T).ravel(), (h @ h.T).ravel())), 0.0)
            log10_grad_w[i] = 0.5 * np.log10(sq) + grad_w_log2[i] * _LOG10_2 if sq > 0 else -np.inf
        np.matmul(delta, W[i], out=grad_h[i])  # (B, n): dE/dh_{l-1} = delta_l W_l
        grad_h_log2[i] = d + _normalise(grad_h[i])
    log10_grad_h = _log10_frobenius(grad_h, grad_h_log2)
    return FFGrads(grad_h, grad_h_log2, log10_grad_h, log10_grad_w, grad_w, grad_w_log2)


def histogram(trace: FFTrace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(counts (L, 40), below (L,), above (L,)) of the true pre-activations on HIST_EDGES."""
    L = trace.pre.shape[0]
    # Bin k of true value v is floor(2 v) + 20: exact on v * 2**(p + 1), a power-of-two scaling of the
    # stored value; clipping first keeps it finite (|2 v| <= 64 decides the same bins).
    q = np.clip(trace.pre_log2 + 1, -1000, 1000)[:, None, None]  # (L, 1, 1)
    bound = np.ldexp(64.0, -q)
    v = np.clip(trace.pre, -bound, bound)
    with np.errstate(under="ignore"):  # values below 2**-1074 are 0 in float64
        v *= np.ldexp(1.0, q)
    np.floor(v, out=v)
    np.clip(v, -_HIST_BINS // 2 - 1, _HIST_BINS // 2, out=v)
    idx = v.astype(np.intp).reshape(L, -1) + (_HIST_BINS // 2 + 1)  # (L, B*n) in 0..41
    idx += (_HIST_BINS + 2) * np.arange(L)[:, None]
    counts = np.bincount(idx.ravel(), minlength=L * (_HIST_BINS + 2)).reshape(L, _HIST_BINS + 2)
    return counts[:, 1:-1], counts[:, 0], counts[:, -1]


def evaluate(W: np.ndarray, x: np.ndarray, u: np.ndarray, activation: str, batch_norm: bool = False) -> FFResult:
    """Forward, backward and per-layer statistics for explicit weights (L, n, n), inputs (B, n) and probe (B, n)."""
    trace = forward(W, x, activation, batch_norm)
    grads = backward(trace, W, u)
    counts, below, above = histogram(trace)
    _, B, n = trace.pre.shape
    rms = _log10_frobenius(trace.states, trace.states_log2) - 0.5 * np.log10(B * n)
    return FFResult(
        log10_grad_h=grads.log10_grad_h,
        log10_grad_w=grads.log10_grad_w,
        log10_rms_h=rms,
        hist_edges=HIST_EDGES.copy(),
        hist_counts=counts,
        hist_below=below,
        hist_above=above,
        saturated_fraction=trace.flat.mean(axis=(1, 2)),
        dead_fraction=trace.flat.all(axis=1).mean(axis=1),
        arrays={"W": W, "x": x, "u": u},
    )


def run_feedforward(cfg: FFConfig) -> FFResult:
    """The seeded network of cfg: gradient norms, forward scale and pre-activation statistics per layer."""
    W = layer_weights(cfg.seed, cfg.width, cfg.layers, cfg.init)
    x = inputs(cfg.seed, cfg.batch, cfg.width, cfg.input_scale)
    u = probe(cfg.seed, cfg.batch, cfg.width)
    return evaluate(W, x, u, cfg.activation, cfg.batch_norm)
