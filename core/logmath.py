"""Log-space helpers: numbers far outside float64 range kept as finite log10 values."""

from __future__ import annotations

import numpy as np

LN10 = np.log(10.0)


def log10_abs(x: np.ndarray) -> np.ndarray:
    """log10 |x| elementwise; exact zeros give -inf without a floating-point warning."""
    x = np.abs(np.asarray(x, dtype=float))
    out = np.full(x.shape, -np.inf)
    np.log10(x, out=out, where=x > 0)
    return out


def renormalise(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a stack of arrays (..., a, b) into unit-max-abs arrays and their log10 scales.

    Returns (scaled, log10_scale) with m = scaled * 10**log10_scale; an all-zero
    array keeps scale -inf and stays zero.
    """
    peak = np.max(np.abs(m), axis=(-2, -1))  # (...)
    safe = np.where(peak > 0, peak, 1.0)
    return m / safe[..., None, None], log10_abs(peak)
