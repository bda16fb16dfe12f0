"""Strategies and independent references shared by the property tests of the core (test_properties*.py).

The per-step Jacobians are recomputed here from a run's own arrays, independently of the core: the RNN's in
closed form, diag(phi'(a_t)) W. Products are multiplied out here in log space (a matrix of max |entry| 1 and a
log10 scale), so extreme runs stay finite.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

from core import RNNConfig
from core.config import ActivationName
from core.norms import Norm
from tests import reference

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)
TOL = 1e-7  # log10: a relative error of 2e-7 between two computations of one norm
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "leaky_relu": 1.0, "linear": 1.0}
ACTIVATIONS: list[ActivationName] = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
NORMS: list[Norm] = ["spectral", "frobenius"]


def _extreme(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Any float in [lo, hi], the ends and tiny magnitudes (subnormals included) drawn often."""
    ends = [lo, hi, 0.0, 5e-324, 1e-300, 1e-8] if lo <= 0 else [lo, hi]
    return st.one_of(st.sampled_from([v for v in ends if lo <= v <= hi]), st.floats(lo, hi))


hidden = st.integers(1, 8)
steps = st.integers(1, 30)
seeds = st.integers(0, 2**32 - 1)
rnn_configs = st.builds(
    RNNConfig,
    activation=st.sampled_from(ACTIVATIONS),
    scale=_extreme(0.0, 10.0),
    init=st.sampled_from(["gaussian", "orthogonal", "identity"]),
    hidden=hidden,
    steps=steps,
    input_scale=_extreme(0.0, 10.0),
    bias=_extreme(-10.0, 10.0),
    seed=seeds,
    norm=st.sampled_from(NORMS),
)


# --- products multiplied out here, in log space ---------------------------------------------------------------


def _log_products(mats: list[tuple[np.ndarray, float]]) -> dict[tuple[int, int], tuple[np.ndarray, float]]:
    """(t, k) -> dh_t/dh_k as (matrix with max |entry| 1 or all 0, log10 scale), from J_t = 10**s_t M_t, t = 1..T."""
    d = mats[0][0].shape[0] if mats else 1
    out: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
    for k in range(len(mats) + 1):
        p, s = np.eye(d), 0.0
        out[(k, k)] = (p, s)
        for t in range(k + 1, len(mats) + 1):
            m, sm = mats[t - 1]
            p = m @ p
            peak = float(np.max(np.abs(p)))
            if peak == 0.0 or s == -math.inf:
                p, s = np.zeros((d, d)), -math.inf
            else:
                p, s = p / peak, s + sm + math.log10(peak)
            out[(t, k)] = (p, s)
    return out


def _log_norm(p: np.ndarray, s: float, norm: Norm) -> float:
    value = float(np.linalg.norm(p, 2 if norm == "spectral" else "fro"))
    return s + math.log10(value) if value > 0 and s > -math.inf else -math.inf


def _scaled(j: np.ndarray) -> tuple[np.ndarray, float]:
    peak = float(np.max(np.abs(j)))
    return (j / peak, math.log10(peak)) if peak > 0 else (np.zeros_like(j), -math.inf)


def _log_dphi(activation: str, a: np.ndarray) -> np.ndarray:
    """Natural log of phi'(a), written from the derivatives (no underflow): -inf where phi' = 0."""
    m = np.abs(a)
    if activation == "tanh":  # 1 - tanh^2 = 4 e^{-2m} / (1 + e^{-2m})^2
        return np.log(4.0) - 2.0 * m - 2.0 * np.log1p(np.exp(-2.0 * m))
    if activation == "sigmoid":  # s (1 - s) = e^{-m} / (1 + e^{-m})^2
        return -m - 2.0 * np.log1p(np.exp(-m))
    if activation == "linear":
        return np.zeros_like(a)
    slope = 0.0 if activation == "relu" else 0.01
    with np.errstate(divide="ignore"):
        return np.where(a > 0, 0.0, np.log(slope))


def _rnn_steps(cfg: RNNConfig, w: dict[str, np.ndarray]) -> list[tuple[np.ndarray, float]]:
    """J_t = diag(phi'(a_t)) W, t = 1..T, from the run's arrays and a forward pass written here."""
    phi = reference.PHI[cfg.activation]
    h, out = w["h0"], []
    drive = w["x"] @ w["U"].T + w["b"]
    W, s_w = _scaled(w["W"])  # scaled up first: a subnormal W would lose its digits in the products
    for t in range(cfg.steps):
        a = w["W"] @ h + drive[t]
        h = np.asarray(phi(a), dtype=float)
        log_d = _log_dphi(cfg.activation, a)
        top = float(np.max(log_d))
        if top == -math.inf or s_w == -math.inf:
            out.append((np.zeros_like(W), -math.inf))
        else:
            m, s = _scaled(np.exp(log_d - top)[:, None] * W)
            out.append((m, s + s_w + top / math.log(10.0)))
    return out


def _finite_or_zero(values: np.ndarray) -> None:
    """No NaN, no +inf: a log10 magnitude is finite or -inf (an exact zero)."""
    assert not np.any(np.isnan(values)), values
    assert not np.any(values == np.inf), values


def _lower(values: np.ndarray) -> np.ndarray:
    """The k <= t part of a full (T+1, T+1) heatmap."""
    return values[np.tril_indices(values.shape[0])]


def _close(a: float, b: float, tol: float = TOL) -> bool:
    return (a == b == -math.inf) or abs(a - b) <= tol * max(1.0, abs(b))


def _submultiplicative(v: np.ndarray, t: int, j: int, k: int) -> bool:
    """log10 ||P_tk|| <= log10 ||P_tj|| + log10 ||P_jk|| (an exact zero factor makes the product zero)."""
    right = float(v[t, j] + v[j, k])
    if right == -math.inf:
        return bool(v[t, k] == -np.inf)
    return bool(v[t, k] <= right + TOL * max(1.0, abs(float(v[t, j])) + abs(float(v[j, k]))))
