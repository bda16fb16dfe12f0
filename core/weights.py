"""Seeded weight and input draws. A seed comes in; no global random state is touched.

Each array has its own child stream of the seed, drawn at unit scale and then
scaled, so moving the scale slider rescales the same matrix, and changing the
sequence length keeps the first inputs the same.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Init = Literal["gaussian", "orthogonal", "identity"]
INITS: tuple[Init, ...] = ("gaussian", "orthogonal", "identity")

# Child stream indices: shared by every cell so RNN and LSTM see the same inputs.
STREAM_RECURRENT, STREAM_INPUT_WEIGHTS, STREAM_INPUTS, STREAM_PROBE, STREAM_PEEPHOLE = 0, 1, 2, 3, 4


def stream(seed: int, which: int) -> np.random.Generator:
    """The generator for one named array of a run."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(which,)))


def recurrent(seed: int, n: int, scale: float, init: Init, count: int = 1) -> np.ndarray:
    """Recurrent weights, shape (count, n, n).

    gaussian: W_ij ~ N(0, scale^2 / n); orthogonal: scale * Haar-random orthogonal;
    identity: scale * I.
    """
    rng = stream(seed, STREAM_RECURRENT)
    if init == "identity":
        return scale * np.broadcast_to(np.eye(n), (count, n, n)).copy()
    z = rng.standard_normal((count, n, n))
    if init == "gaussian":
        return scale * z / np.sqrt(n)
    # Haar measure: QR of a Gaussian matrix with the signs of R's diagonal folded into Q.
    q, r = np.linalg.qr(z)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    signs[signs == 0] = 1.0
    return scale * q * signs[:, None, :]


def input_weights(seed: int, n: int, n_in: int, count: int = 1) -> np.ndarray:
    """Input weights ~ N(0, 1/n_in), shape (count, n, n_in): U x has entries of variance input_scale^2."""
    return stream(seed, STREAM_INPUT_WEIGHTS).standard_normal((count, n, n_in)) / np.sqrt(n_in)


def inputs(seed: int, steps: int, n_in: int, input_scale: float) -> np.ndarray:
    """Input sequence x_1..x_T ~ N(0, input_scale^2), shape (T, n_in)."""
    return input_scale * stream(seed, STREAM_INPUTS).standard_normal((steps, n_in))


def peephole(seed: int, n: int, scale: float) -> np.ndarray:
    """LSTM peephole weights p_f, p_i, p_o ~ N(0, scale^2/n), shape (3, n): each like one entry of W_h."""
    return scale * stream(seed, STREAM_PEEPHOLE).standard_normal((3, n)) / np.sqrt(n)


def probe(seed: int, n: int) -> np.ndarray:
    """A unit vector u defining the scalar loss L = <u, h_T>, shape (n,)."""
    u = stream(seed, STREAM_PROBE).standard_normal(n)
    return u / np.linalg.norm(u)
