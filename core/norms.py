"""Norms of stacks of well-scaled matrices (entries of magnitude <= 1, or exactly zero).

Spectral norms come from batched power iterations with a certificate: for unit v,
sigma = ||P v||, u = P v / sigma and z = P^T u, the pair (u, v) is a singular pair
of P up to the residual r = ||z - sigma v||; some singular value lies within
r / sqrt(2) of sigma, and the error of sigma is of order r^2 / gap. That it is the top one is
checked against sigma_1 >= every column norm (and row norm, in the batched case). Iteration
stops at r <= RTOL * sigma. A good start (the top singular vector of a
neighbouring product: they converge along a run) makes one or two iterations
enough; matrices that have not converged after a few steps get an SVD (or Lanczos).
"""

from __future__ import annotations

from math import sqrt
from typing import Literal

import numpy as np

Norm = Literal["spectral", "frobenius"]
NORMS: tuple[Norm, ...] = ("spectral", "frobenius")

RTOL = 1e-9
# Above this size a norm is taken right after its product, while the matrix is in cache.
SEQUENTIAL_MIN_DIM = 48
# A batched step costs about one small SVD per matrix still unconverged: give up early on those.
_BATCH_STEPS = 4
_POWER_STEPS = 6  # then Lanczos, which needs far fewer steps when the top gap is small
# A fixed, generic start for matrices with no better guess (no zero entries, no symmetry).
_GENERIC = np.random.default_rng(20130218).standard_normal(4096)


def generic_start(n: int) -> np.ndarray:
    """A deterministic start vector with no special direction."""
    reps = -(-n // _GENERIC.size)
    v = np.tile(_GENERIC, reps)[:n]
    return v / np.linalg.norm(v)


def frobenius_norms(stack: np.ndarray) -> np.ndarray:
    """||P||_F for each matrix of a stack (m, a, b) -> (m,)."""
    return np.sqrt(np.einsum("mij,mij->m", stack, stack))


def spectral_norms(stack: np.ndarray, start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Largest singular value of each matrix in a stack (m, a, b), with its left and right singular vectors.

    start: guesses of the right singular vectors, (m, b) or (b,). Returns
    (sigma (m,), left (m, a), right (m, b)); an all-zero matrix gives sigma = 0.
    """
    m, a, b = stack.shape
    sigma = np.zeros(m)
    left = np.zeros((m, a))
    right = np.zeros((m, b))
    if m == 0:
        return sigma, left, right
    v = np.broadcast_to(generic_start(b) if start is None else start, (m, b)).copy()
    lengths = np.linalg.norm(v, axis=1)
    bad = ~(lengths > 0)
    v[bad] = generic_start(b)
    v /= np.where(bad, 1.0, lengths)[:, None]
    active = np.arange(m)
    mats = stack
    for _ in range(_BATCH_STEPS):
        w = np.matmul(mats, v[:, :, None])[:, :, 0]  # (k, a)
        s = np.linalg.norm(w, axis=1)
        zero = s == 0  # v in the null space (or an all-zero matrix): left to the SVD below
        u = w / np.where(zero, 1.0, s)[:, None]
        z = np.matmul(u[:, None, :], mats)[:, 0, :]  # (k, b): P^T u
        r = np.linalg.norm(z - s[:, None] * v, axis=1)
        done = (r <= RTOL * s) & ~zero
        idx = active[done]
        sigma[idx], left[idx], right[idx] = s[done], u[done], v[done]
        if done.all():
            active = active[:0]
            break
        keep = ~done
        active = active[keep]
        mats = stack[active]
        zk = z[keep]
        lengths = np.linalg.norm(zk, axis=1)
        zk[lengths == 0] = generic_start(b)
        v = zk / np.where(lengths == 0, 1.0, lengths)[:, None]
    # sigma_1 >= every column and row norm: anything certified below that is a lower singular value.
    lower = np.sqrt(
        np.maximum(
            np.einsum("mij,mij->mj", stack, stack).max(axis=1), np.einsum("mij,mij->mi", stack, stack).max(axis=1)
        )
    )
    wrong = sigma < lower * (1 - 1e-8)
    active = np.union1d(active, np.flatnonzero(wrong))
    if active.size:
        uu, ss, vt = np.linalg.svd(stack[active])
        sigma[active], left[active], right[active] = ss[:, 0], uu[:, :, 0], vt[:, 0, :]
    return sigma, left, right


def spectral_norm(m: np.ndarray, left_start: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest singular value of one matrix and its left singular vector, from a guess of that vector.

    The same certified power iteration as spectral_norms, for one matrix while it is
    still in cache: along a run consecutive products share their top left singular
    vector almost exactly, so one or two steps suffice. Slow cases (a small gap
    between the top two singular values) switch to Lanczos.
    """
    cols = np.sqrt(np.einsum("ij,ij->j", m, m))  # sigma_1 >= every column norm (one cheap pass)
    lower = float(cols.max())
    if lower == 0.0:
        return 0.0, left_start
    sigma, u = _iterate(m, left_start)
    if sigma >= lower * (1 - 1e-8):  # within the certificate's tolerance
        return sigma, u
    # The start was (nearly) orthogonal to the top direction and a lower singular pair got certified,
    # as when the strongest of decoupled units changes: restart from the heaviest column.
    j = int(np.argmax(cols))
    sigma, u = _iterate(m, m[:, j] / cols[j])
    if sigma >= lower * (1 - 1e-8):  # within the certificate's tolerance
        return sigma, u
    uu, ss, _ = np.linalg.svd(m)
    return float(ss[0]), uu[:, 0]


def _iterate(m: np.ndarray, left_start: np.ndarray) -> tuple[float, np.ndarray]:
    v = left_start @ m
    nv = sqrt(v @ v)
    if not nv > 0:
        v, nv = generic_start(m.shape[1]), 1.0
    v = v / nv
    for _ in range(_POWER_STEPS):
        w = m @ v
        s = sqrt(w @ w)
        if s == 0.0:  # v in the null space: no certificate, let Lanczos (or the check above) settle it
            v = generic_start(m.shape[1])
            continue
        u = w / s
        z = u @ m
        e = z - s * v
        if sqrt(e @ e) <= RTOL * s:
            return s, u
        v = z / sqrt(z @ z)
    return lanczos_top(m, v)


def lanczos_top(m: np.ndarray, start: np.ndarray, max_steps: int = 80) -> tuple[float, np.ndarray]:
    """Largest singular value and left singular vector by Golub-Kahan-Lanczos with full reorthogonalisation.

    Stops at the same certificate as the power iteration: the Ritz residual
    beta_j |x_j| <= RTOL * sigma. Falls back to an SVD if that is not reached.
    """
    a, b = m.shape
    steps = min(max_steps, a, b)
    U, V = np.zeros((steps, a)), np.zeros((steps, b))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    v = start / np.linalg.norm(start)
    for j in range(steps):
        V[j] = v
        u = m @ v - (beta[j - 1] * U[j - 1] if j else 0.0)
        u -= U[:j].T @ (U[:j] @ u)
        alpha[j] = np.linalg.norm(u)
        if alpha[j] == 0.0:
            break
        U[j] = u / alpha[j]
        w = m.T @ U[j] - alpha[j] * v
        w -= V[: j + 1].T @ (V[: j + 1] @ w)
        beta[j] = np.linalg.norm(w)
        x, s, _ = np.linalg.svd(np.diag(alpha[: j + 1]) + np.diag(beta[:j], 1))
        if beta[j] * abs(x[-1, 0]) <= RTOL * s[0] or j + 1 == min(a, b):
            return float(s[0]), U[: j + 1].T @ x[:, 0]
        v = w / beta[j]
    uu, ss, _ = np.linalg.svd(m)
    return float(ss[0]), uu[:, 0]
