"""NumPy to JSON at the router boundary: non-finite log10 values become null."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def floats(a: np.ndarray) -> list[Any]:
    """Nested lists of floats (1-D or more) with null where a value is -inf (exact zero) or NaN (undefined)."""
    arr = np.asarray(a, dtype=float)
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    out: list[Any] = obj.tolist()
    return out


def scalar(v: float) -> float | None:
    """A finite float or null."""
    return v if math.isfinite(v) else None
