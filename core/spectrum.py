"""The singular spectrum of dh_T/dh_0: how evenly a product of Jacobians stretches every direction.

With the same mean squared singular value per step (the mean-field chi, core/theory.py), an orthogonal W keeps
the spectrum of a long product concentrated near its mean (dynamical isometry, Pennington et al. 2017) while a
gaussian W spreads it over many decades: most directions vanish even when the typical one does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from core import deadline
from core.cells import rnn
from core.config import RNNConfig
from core.explore import rnn_params
from core.jacobian import Factors, max_abs
from core.logmath import log10_abs
from core.weights import Init

_DEAD = -(2**40)  # binary exponent of an exactly zero row
# One QR and two GEMMs of n x n per step, then one-sided Jacobi (about as costly as 100 steps; 0.6 s of the
# 0.85 s at n = 256, T = 23, one BLAS thread): (T + 100) n^3. The budget keeps each spectrum near 0.3 s,
# the pair (gaussian, orthogonal) near 0.6 s: n = 128 up to T = 186, n = 64 up to T = 1000.
JACOBI_STEPS = 100
WORK_BUDGET = 6e8
INITS: tuple[Init, ...] = ("gaussian", "orthogonal")


def work(steps: int, hidden: int) -> float:
    """(T + JACOBI_STEPS) n^3: the cost of one spectrum."""
    return float(steps + JACOBI_STEPS) * float(hidden) ** 3


def largest_within_budget(steps: int, hidden: int) -> tuple[int, int]:
    """(largest T at this n, largest n at this T) whose spectrum fits the budget (0 when none does)."""
    max_steps = max(0, min(1000, int(WORK_BUDGET // hidden**3) - JACOBI_STEPS))
    max_hidden = int((WORK_BUDGET / (steps + JACOBI_STEPS)) ** (1.0 / 3.0))
    while (steps + JACOBI_STEPS) * (max_hidden + 1) ** 3 <= WORK_BUDGET:
        max_hidden += 1
    while max_hidden and (steps + JACOBI_STEPS) * max_hidden**3 > WORK_BUDGET:
        max_hidden -= 1
    return max_steps, max_hidden


@dataclass(frozen=True)
class Spectra:
    """log10 singular values of dh_T/dh_0, descending, for each init with the run's other settings."""

    inits: tuple[Init, ...]
    log10_values: tuple[np.ndarray, ...]  # (n,) each; -inf for exact zeros


def inits_of(cfg: RNNConfig) -> tuple[Init, ...]:
    """Gaussian and orthogonal, and identity when cfg uses it."""
    return INITS + (("identity",) if cfg.init == "identity" else ())


def run_spectra(cfg: RNNConfig) -> Spectra:
    """The spectrum for gaussian and orthogonal W (and identity when the run uses it) at cfg's scale, inputs, T."""
    inits = inits_of(cfg)
    values = []
    for init in inits:
        p, x = rnn_params(replace(cfg, init=init))
        values.append(singular_spectrum(rnn.factors(p, rnn.forward(p, x))))
    return Spectra(inits, tuple(values))


def singular_spectrum(f: Factors) -> np.ndarray:
    """log10 singular values of dh_T/dh_0 = J_T ... J_1, descending, length d (-inf for exact zeros).

    Repeated QR, J_t Q_{t-1} = Q_t R_t, gives P_T = Q_T R_T ... R_1 with Q_T orthogonal to rounding. The triangular
    product is carried row-scaled as diag(2**e) U (integer e, max |U_ij| in [1/2, 1) per row, exact power-of-two
    shifts), so 1000 steps of scale 4 or 0.05 stay finite. Its singular values are those of U^T diag(2**e): after
    one QR with the columns by decreasing scale (which grades the rows), one-sided Jacobi with rotations written
    in scale-free terms gets them to relative accuracy ~eps * cond(U) (Demmel-Veselic 1992), not eps * sigma_1, so
    values far below 1e-16 sigma_1 are resolved. Every step is backward stable for its own factor: the result is
    the spectrum of a product whose J_t carry perturbations ~1e-16 ||J_t||, which is also the limit of any method.
    A factor with zero rows (dead ReLU units) bounds the rank: the values past it are exact zeros (-inf).

    Measured: diagonal, scaled-identity and orthogonal linear runs exact to 1e-12 in log10 up to T = 1000 (0.1^1000
    gives -1000); against a 400-digit product, tanh runs with spreads of 40-150 decades agree to 3e-13, and a
    scale-4 run spreading 208 decades to 7e-10 on its smallest values, the size by which 1e-16 perturbations of
    the factors move them. Cost per step: one QR and two GEMMs of d x d; d = 256, T = 1000 takes about 6 s here.
    """
    d = f.dim
    q, u, e = np.eye(d), np.eye(d), np.zeros(d, dtype=np.int64)
    rank = d  # at most the fewest nonzero rows of any J_t (a dead ReLU zeroes its row exactly)
    with np.errstate(under="ignore"):
        for t in range(1, f.steps + 1):
            deadline.check()
            m = f.right_t(q.T, t).T  # J_t Q_{t-1}: a zero row of J_t stays exactly zero
            rank = min(rank, int(np.count_nonzero(np.any(m != 0, axis=1))))
            q, r = np.linalg.qr(m)  # J_t Q_{t-1} = Q_t R_t, up to the step's scale
            s, top = _scale_rows(r, e)  # R_t diag(2**e) = diag(2**top) s
            u = s @ u
            p = np.frexp(max_abs(u, axis=(1,)))[1]
            u = np.ldexp(u, -p[:, None])
            e = np.where(np.any(u != 0, axis=1), top + p, _DEAD)
        # Preconditioning: (diag(2**e) U)^T with columns by decreasing e is U_s^T diag(2**e_s) = Q R diag(2**e_s),
        # and R diag(2**e_s) is graded (entries right of the diagonal carry smaller scales): nearly orthogonal rows.
        order = np.argsort(-e, kind="stable")
        s, top = _scale_rows(np.linalg.qr(u[order].T).R, e[order])
        values = _jacobi_log10(s, np.where(top > _DEAD // 2, top * math.log10(2.0), -np.inf))
    values = np.sort(values + float(np.sum(f.log10_scale)))[::-1]
    # Beyond the rank the QR steps leave rounding (1e-16 of a step's norm, then carried along); those values
    # are exactly zero.
    values[rank:] = -np.inf
    return values


def _scale_rows(r: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """r diag(2**e) as diag(2**top) s with |s_ij| < 1, by exact power-of-two shifts (zero rows: top = _DEAD)."""
    top = np.max(np.where(r != 0, np.frexp(r)[1] + e, _DEAD), axis=1)
    return np.ldexp(r, e[None, :] - top[:, None]), top


def _round_robin(d: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """d - 1 (or d) rounds of disjoint index pairs covering every pair once (circle method)."""
    m = d + d % 2
    idx, rounds = np.arange(m), []
    for _ in range(m - 1):
        p, q = idx[: m // 2], idx[m // 2 :][::-1]
        keep = (p < d) & (q < d)
        rounds.append((p[keep], q[keep]))
        idx = np.concatenate([idx[:1], idx[-1:], idx[1:-1]])
    return rounds


def _normalize(y: np.ndarray, c: np.ndarray, rows: np.ndarray) -> None:
    """Rows of y to unit length, their lengths moved into the log10 scales c (zero rows: c = -inf)."""
    length = np.sqrt(np.einsum("ij,ij->i", y[rows], y[rows]))
    live = length > 0
    y[rows[live]] /= length[live, None]
    c[rows] = np.where(live, c[rows] + log10_abs(length), -np.inf)


def _jacobi_log10(y: np.ndarray, c: np.ndarray, sweeps: int = 30) -> np.ndarray:
    """log10 singular values of diag(10**c) y by one-sided Jacobi on its rows, without ever forming 10**c.

    For rows 10**c_a y_a and 10**c_b y_b (c_a >= c_b, unit y, cosine p, r = 10**(c_b - c_a) <= 1) the rotation
    that makes them orthogonal has tan = u r with u = -2p / (1 - r^2 + sqrt((1 - r^2)^2 + 4 p^2 r^2)); the new rows
    are 10**c_a cs (y_a - u r^2 y_b) and 10**c_b cs (u y_a + y_b), cs = 1 / sqrt(1 + u^2 r^2), finite as r -> 0.
    """
    y, c = y.copy(), c.copy()
    d = y.shape[0]
    _normalize(y, c, np.arange(d))
    tol = 4.0 * math.sqrt(d) * np.finfo(float).eps
    rounds = _round_robin(d)
    for _ in range(sweeps):
        deadline.check()
        rotated = False
        for p, q in rounds:
            swap = c[q] > c[p]
            a, b = np.where(swap, q, p), np.where(swap, p, q)
            cos = np.einsum("ij,ij->i", y[a], y[b])
            act = np.abs(cos) > tol  # zero rows have cos = 0
            if not act.any():
                continue
            rotated = True
            a, b, cos = a[act], b[act], cos[act]
            ya, yb = y[a], y[b]
            r2 = 10.0 ** (2.0 * (c[b] - c[a]))
            rot = -2.0 * cos / ((1.0 - r2) + np.sqrt((1.0 - r2) ** 2 + 4.0 * cos * cos * r2))
            cs = 1.0 / np.sqrt(1.0 + rot * rot * r2)
            y[a] = cs[:, None] * (ya - (rot * r2)[:, None] * yb)
            y[b] = cs[:, None] * (rot[:, None] * ya + yb)
            _normalize(y, c, np.concatenate([a, b]))
        if not rotated:
            break
    return c
