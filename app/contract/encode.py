"""NumPy to JSON at the router boundary.

Two encodings of a log10 array: `json`, nested lists of float64 with null where
a value is -inf (an exact zero) or NaN (not defined); `compact`, Plotly's typed
array {dtype: "f4", bdata: base64, shape}, where -inf and NaN travel as such.
"""

from __future__ import annotations

import base64
import math
from typing import Any, Literal

import numpy as np

Format = Literal["json", "compact"]


def floats(a: np.ndarray) -> list[Any]:
    """Nested lists of floats (1-D or more) with null where a value is not finite."""
    arr = np.asarray(a, dtype=float)
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    out: list[Any] = obj.tolist()
    return out


def typed(a: np.ndarray) -> dict[str, Any]:
    """A float32 typed array in Plotly's base64 form (little-endian)."""
    arr = np.ascontiguousarray(a, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii"), "shape": list(arr.shape)}


def array(a: np.ndarray, fmt: Format) -> Any:
    """A log10 array in the requested encoding."""
    return typed(a) if fmt == "compact" else floats(a)


def scalar(v: float) -> float | None:
    """A finite float or null."""
    return v if math.isfinite(v) else None
