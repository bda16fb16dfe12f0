"""The scalar view's contract: the query and answer of GET /api/v1/scalar."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.contract.fields import Curve, float_field, int_field
from core import config as c
from core import scalar as s
from core.config import ActivationName

_D = s.ScalarConfig()
Floats = list[float | None]


class ScalarQuery(BaseModel):
    """Query of GET /api/v1/scalar."""

    model_config = ConfigDict(extra="forbid")

    activation: ActivationName = Field(_D.activation, description="phi in h_t = phi(w h_{t-1} + u x_t + b).")
    weight: float = float_field(_D.weight, s.WEIGHT, "The recurrent weight w.")
    bias: float = float_field(_D.bias, c.BIAS, "The bias b.")
    input_scale: float = float_field(_D.input_scale, c.INPUT_SCALE, "x_t ~ N(0, input_scale^2); u ~ N(0, 1) is seeded.")
    h0: float = float_field(_D.h0, s.H0, "The initial state h_0.")
    steps: int = int_field(_D.steps, c.STEPS, "Sequence length T.")
    seed: int = int_field(_D.seed, c.SEED, "Seed of u and the inputs.")
    eps: float = float_field(_D.eps, s.EPS, "Calculator: the per-step change eps of (1 - eps)^N and (1 + eps)^N.")
    horizon: int = int_field(_D.horizon, s.HORIZON, "Calculator: the number of steps N.")
    include: s.Include | None = Field(None, description="`weights` adds w, u, b, h0 and x.")


class Compound(BaseModel):
    """(1 - eps)^N and (1 + eps)^N: the same small change, repeated, vanishes or explodes."""

    eps: float
    horizon: float = Field(description="N.")
    log10_shrink: float | None = Field(description="log10 (1 - eps)^N.")
    log10_grow: float = Field(description="log10 (1 + eps)^N.")
    shrink: float = Field(description="(1 - eps)^N (0 below 1e-300).")
    grow: float | None = Field(description="(1 + eps)^N (null above 1e300).")


class ScalarResponse(BaseModel):
    """GET /api/v1/scalar. All magnitudes as log10; null is an exact zero (or, for pre/states, beyond float64)."""

    model: str = "scalar"
    config: ScalarQuery
    log10_dphi: Floats = Field(description="log10 phi'(a_t), t = 1..T (index t - 1).")
    log10_factor: Floats = Field(description="log10 |dh_t/dh_{t-1}| = log10 |w phi'(a_t)|, t = 1..T (index t - 1).")
    log10_running: Floats = Field(description="log10 |dh_t/dh_0|, t = 0..T: the running product.")
    decay: Floats = Field(description="log10 |dh_T/dh_k|, k = 0..T.")
    bound: Floats = Field(description="log10 (gamma |w|)^(T-k), k = 0..T, gamma = sup phi'.")
    sign: int = Field(description="sign(w): dh_t/dh_0 has sign sign(w)^t.")
    pre: Floats = Field(description="a_t, t = 1..T (null where beyond float64).")
    states: Floats = Field(description="h_t, t = 0..T (null where beyond float64).")
    summary: dict[str, float | None] = Field(
        description="weight, gamma = sup phi', gamma_abs_weight, vanishing_weight = 1/gamma, log10_mean_factor."
    )
    compound: Compound
    curve: Curve
    weights: dict[str, float | list[float]] | None = None
