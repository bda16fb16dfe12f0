"""What the query and answer models of every endpoint share: bounded fields, the formats, typed arrays."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core import config as c

Include = Literal["weights"]
FormatName = Literal["json", "compact"]


def int_field(default: int, b: c.Bounds, doc: str) -> int:
    return Field(default, ge=int(b.lo), le=int(b.hi), description=f"{doc} Allowed {int(b.lo)}..{int(b.hi)}.")


def float_field(default: float, b: c.Bounds, doc: str) -> float:
    return Field(default, ge=b.lo, le=b.hi, allow_inf_nan=False, description=f"{doc} Allowed {b.lo:g}..{b.hi:g}.")


class TypedArray(BaseModel):
    """Plotly's base64 typed array (format=compact): little-endian float32 values of the given shape."""

    dtype: Literal["f4"]
    bdata: str
    shape: list[int]


Floats1 = list[float | None] | TypedArray
Floats2 = list[list[float | None]] | TypedArray


class Curve(BaseModel):
    """phi and phi' on an even grid of a, to draw a run's pre-activations on."""

    a: list[float]
    phi: list[float]
    dphi: list[float]
    gamma: float = Field(description="sup phi' (1/4 for sigmoid, 1 for the others).")
