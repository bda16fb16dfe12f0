"""Matrix norms of well-scaled matrices (entries of magnitude <= 1)."""

from __future__ import annotations

from typing import Literal

import numpy as np

Norm = Literal["spectral", "frobenius"]
NORMS: tuple[Norm, ...] = ("spectral", "frobenius")

# Above this size one Lanczos run beats a full SVD by far.
SVD_MAX_DIM = 64
LANCZOS_RTOL = 1e-11


def matrix_norms(stack: np.ndarray, norm: Norm) -> np.ndarray:
    """Norm of each matrix in a stack (m, a, b) -> (m,), by SVD (spectral) or sum of squares.

    The stack is expected renormalised (max |entry| = 1 or an all-zero matrix),
    so neither can overflow or underflow.
    """
    if stack.shape[0] == 0:
        return np.zeros(0)
    if norm == "frobenius" or min(stack.shape[-2:]) == 1:
        return np.sqrt(np.einsum("mij,mij->m", stack, stack))
    return np.linalg.svd(stack, compute_uv=False)[:, 0]


def top_singular(
    m: np.ndarray, start: np.ndarray, rtol: float = LANCZOS_RTOL, max_steps: int = 80
) -> tuple[float, np.ndarray]:
    """Largest singular value of m (a, b) and its left singular vector, by Golub-Kahan-Lanczos.

    Full reorthogonalisation; `start` (b,) is a guess of the top right singular
    vector. Stops when the Ritz residual beta_j |x_j| is below rtol * sigma,
    which bounds the error of sigma by min(r, r^2 / gap); falls back to an SVD
    if that does not happen within max_steps.
    """
    a, b = m.shape
    steps = min(max_steps, a, b)
    U = np.zeros((steps, a))
    V = np.zeros((steps, b))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    v = start / np.linalg.norm(start)
    for j in range(steps):
        V[j] = v
        u = m @ v - (beta[j - 1] * U[j - 1] if j else 0.0)
        u -= U[:j].T @ (U[:j] @ u)
        alpha[j] = np.linalg.norm(u)
        if alpha[j] == 0.0:
            j -= 1
            break
        U[j] = u / alpha[j]
        w = m.T @ U[j] - alpha[j] * v
        w -= V[: j + 1].T @ (V[: j + 1] @ w)
        beta[j] = np.linalg.norm(w)
        B = np.diag(alpha[: j + 1]) + np.diag(beta[:j], 1)
        x, s, _ = np.linalg.svd(B)
        if beta[j] * abs(x[-1, 0]) <= rtol * s[0] or (j == steps - 1 and steps == min(a, b)):
            return float(s[0]), U[: j + 1].T @ x[:, 0]
        if beta[j] == 0.0:
            break
        v = w / beta[j]
    if j >= 0 and beta[j] == 0.0:  # invariant subspace: the Ritz values are exact
        B = np.diag(alpha[: j + 1]) + np.diag(beta[:j], 1)
        x, s, _ = np.linalg.svd(B)
        return float(s[0]), U[: j + 1].T @ x[:, 0]
    uu, s, _ = np.linalg.svd(m, full_matrices=False)
    return float(s[0]), uu[:, 0]
