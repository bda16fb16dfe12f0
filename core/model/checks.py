"""What every reader checks: the refusal it raises, the bounds on a model's size, and each array's dtype,
shape and values. A refusal names the key, what was found and what was expected."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Float dtypes a file may store; every array is computed in float64. bfloat16 arrives as its raw 16 bits.
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


class ModelError(ValueError):
    """A file that cannot be mapped exactly onto a model."""

    def __init__(self, message: str, key: str | None = None, found: object = None, expected: object = None) -> None:
        parts = [message]
        if key is not None:
            parts.append(f"key {key!r}")
        if found is not None:
            parts.append(f"found {found}")
        if expected is not None:
            parts.append(f"expected {expected}")
        super().__init__("; ".join(parts))
        self.key, self.found, self.expected = key, found, expected


@dataclass(frozen=True)
class Limits:
    """Bounds on what a reader accepts before and while it reads."""

    max_bytes: int = 64 * 2**20  # the file
    max_numbers: int = 16_000_000  # all arrays together
    max_hidden: int = 1024  # n of any cell
    max_layers: int = 16
    max_steps: int = 1000  # T of a sequence carried by the file


def bfloat16_to_float64(raw: np.ndarray) -> np.ndarray:
    """bfloat16 stored as uint16 bit patterns -> float64, exactly (bfloat16 is the top half of a float32)."""
    return (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def as_float64(key: str, values: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A float array as C-contiguous float64, refused if its dtype is not a float, its shape is not `shape`,
    or it holds NaN or infinity."""
    if values.dtype.name not in FLOAT_DTYPES:
        raise ModelError("only float arrays are read", key, values.dtype.name, " or ".join(FLOAT_DTYPES))
    if shape is not None and tuple(values.shape) != tuple(shape):
        raise ModelError("wrong shape", key, tuple(values.shape), tuple(shape))
    out = np.ascontiguousarray(values, dtype=np.float64)
    if not np.isfinite(out).all():
        raise ModelError("NaN or infinity in the weights", key, "a non-finite value", "finite numbers")
    return out
