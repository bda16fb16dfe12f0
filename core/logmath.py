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


def power_line(steps: int, log10_per_step: float) -> np.ndarray:
    """log10 of r^(T-k) for k = 0..T, given log10 r: 0 at k = T (the empty product is 1, even for r = 0)."""
    line = np.zeros(steps + 1)
    line[:-1] = np.arange(steps, 0, -1) * log10_per_step
    return line
