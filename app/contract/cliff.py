"""The cliff's contract: the queries and answers of GET /api/v1/cliff and /api/v1/cliff/descent, and the
numbers the answers sum a surface and a run up with."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from app.contract.fields import Floats2, FormatName, float_field, int_field
from core import cliff as k
from core import config as c

_D = k.CliffConfig()
Floats = list[float | None]

_MODEL = "x_t = w sigmoid(x_{t-1}) + b, x_0 = 0.5, E = (sigmoid(x_T) - 0.7)^2."


class CliffQuery(BaseModel):
    """Query of GET /api/v1/cliff: the window of the (w, b) plane and T."""

    model_config = ConfigDict(extra="forbid")

    w_center: float = float_field(_D.w_center, k.CENTER, "Centre of the w axis.")
    w_range: float = float_field(_D.w_range, k.HALF_WIDTH, "The grid spans w_center +- w_range.")
    b_center: float = float_field(_D.b_center, k.CENTER, "Centre of the b axis.")
    b_range: float = float_field(_D.b_range, k.HALF_WIDTH, "The grid spans b_center +- b_range.")
    resolution: int = int_field(_D.resolution, k.RESOLUTION, "Grid points per axis.")
    steps: int = int_field(_D.steps, k.STEPS, "Sequence length T.")
    format: FormatName = Field(
        "json",
        description="`json`: nested lists of float64 (null: exactly zero gradient). "
        "`compact`: Plotly base64 float32 typed arrays (-Infinity: exactly zero); what the page uses.",
    )


class DescentQuery(BaseModel):
    """Query of GET /api/v1/cliff/descent: one start, three runs."""

    model_config = ConfigDict(extra="forbid")

    w0: float = float_field(_D.w0, k.START, "Start w.")
    b0: float = float_field(_D.b0, k.START, "Start b.")
    lr: float = float_field(_D.lr, k.LR, "Learning rate: each step subtracts lr times the (clipped) gradient.")
    threshold: float = float_field(_D.threshold, k.THRESHOLD, "Clipping threshold v of both clipped runs.")
    iterations: int = int_field(_D.iterations, k.ITERATIONS, "Gradient steps N.")
    steps: int = int_field(_D.steps, k.STEPS, "Sequence length T.")
    seed: int = int_field(_D.seed, c.SEED, "Seed of the random steps taken at Inf/NaN gradients.")


class WallBranch(BaseModel):
    """One half-line of the wall: b = x_0 - w sigmoid(x_0) with |w| sigmoid'(x_0) > 1."""

    w: list[float]
    b: list[float]
    log10_norm: Floats = Field(description="log10 ||grad E|| at each point of the line.")


class CliffResponse(BaseModel):
    """GET /api/v1/cliff: E and log10 ||grad E|| on a grid of (w, b); rows are b, columns w."""

    model: str = "cliff"
    config: CliffQuery
    equations: str = _MODEL
    w: list[float] = Field(description="Grid w (columns).")
    b: list[float] = Field(description="Grid b (rows).")
    loss: Floats2 = Field(description="E[i][j] at (w[j], b[i]), between 0 and 0.49.")
    log10_norm: Floats2 = Field(
        description="log10 ||(dE/dw, dE/db)|| [i][j], exact BPTT in log space (finite however large or small; "
        "null / -Infinity: exactly zero)."
    )
    wall: list[WallBranch] = Field(
        description="Where x_0 is an unstable fixed point: E jumps across it and ||grad E|| grows like "
        "(w sigmoid'(x_0))^T on it. The parts inside the window."
    )
    summary: dict[str, float | None] = Field(
        description="max_log10_norm, median_log10_norm, max_wall_log10_norm (null: no wall in the window)."
    )


class Run(BaseModel):
    """One gradient-descent run: the points visited, start included."""

    method: k.Method = Field(description="none, norm (g v/||g|| when ||g|| > v) or value (each entry in [-v, v]).")
    w: list[float]
    b: list[float]
    loss: list[float] = Field(description="E at each point.")
    log10_norm: Floats = Field(description="log10 ||grad E|| at each point (null: exactly zero).")
    clipped: list[bool] = Field(description="Per step: clipping changed the gradient.")
    random: list[bool] = Field(description="Per step: the gradient was Inf/NaN and a random vector of norm v was used.")
    log10_step: Floats = Field(description="log10 of each step's length ||(w, b)_{i+1} - (w, b)_i||.")
    stopped: k.Stop | None = Field(
        description=f"box: |w| or |b| passed {k.BOX:g} (the last point is outside); "
        "overflow: a step left float64. null: all iterations ran."
    )


class DescentResponse(BaseModel):
    """GET /api/v1/cliff/descent: no clipping, norm clipping and element-wise clipping from one start."""

    model: str = "descent"
    config: DescentQuery
    equations: str = _MODEL
    runs: list[Run]
    max_clipped_step: float = Field(description="lr v: no norm-clipped step is longer (element-wise: lr v sqrt 2).")


def surface_summary(s: k.Surface) -> dict[str, float | None]:
    """The largest and the median log10 ||grad E|| on the grid, and the largest on the wall (None: none there)."""
    finite = s.log10_norm[np.isfinite(s.log10_norm)]
    on_wall = [float(np.max(br["log10_norm"])) for br in s.wall]
    return {
        "max_log10_norm": float(np.max(finite)) if finite.size else None,
        "median_log10_norm": float(np.median(finite)) if finite.size else None,
        "max_wall_log10_norm": max(on_wall) if on_wall else None,
    }


def log10_steps(r: k.Run) -> np.ndarray:
    """log10 of each step's length (-inf: the run stood still)."""
    with np.errstate(divide="ignore"):
        return np.log10(np.hypot(np.diff(r.w), np.diff(r.b)))
