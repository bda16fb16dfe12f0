"""The feed-forward view's contract: the query and answer of GET /api/v1/feedforward, and the run's summary."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.contract.encode import scalar
from app.contract.fields import Include, float_field, int_field
from core import feedforward as ff
from core.activations import ACTIVATIONS
from core.config import ActivationName

_D = ff.FFConfig()
_B = ff.BOUNDS
# include=weights sends every W_l as JSON (~20 bytes a number): at most 2^20 of them.
WEIGHTS_MAX = 2**20
Floats = list[float | None]
_NULL = "null for an exact zero (e.g. every ReLU of a layer dead)"


class FeedForwardQuery(BaseModel):
    """Query of GET /api/v1/feedforward."""

    model_config = ConfigDict(extra="forbid")

    layers: int = int_field(_D.layers, _B["layers"], "Depth L: h_l = phi(W_l h_{l-1}), l = 1..L, no biases.")
    width: int = int_field(_D.width, _B["width"], "Units per layer n (the input x has n entries too).")
    activation: ActivationName = Field(_D.activation, description="phi, the same in every layer.")
    init: ff.FFInit = Field(
        _D.init,
        description="Entries of every W_l: normal N(0, 1), small N(0, 0.01^2), xavier N(0, 1/n), he N(0, 2/n); "
        "orthogonal: a Haar-random orthogonal matrix.",
    )
    batch_norm: bool = Field(
        _D.batch_norm, description="Normalise each pre-activation over the batch before phi (gain 1, shift 0)."
    )
    batch: int = int_field(_D.batch, _B["batch"], "Examples B in the batch.")
    input_scale: float = float_field(_D.input_scale, _B["input_scale"], "x ~ N(0, input_scale^2).")
    seed: int = int_field(_D.seed, _B["seed"], "Seed of the weights, the inputs and the readout rows u_b.")
    include: Include | None = Field(
        None,
        description=f"`weights` adds W (L, n, n), x (B, n) and u (B, n), while L n^2 <= {WEIGHTS_MAX} "
        "(about 20 MB of JSON).",
    )

    @field_validator("include")
    @classmethod
    def _weights_fit(cls, v: str | None, info: ValidationInfo) -> str | None:
        layers, width = info.data.get("layers"), info.data.get("width")
        if v == "weights" and layers is not None and width is not None and layers * width**2 > WEIGHTS_MAX:
            raise ValueError(
                f"with weights, L n^2 = {layers * width**2} numbers, over {WEIGHTS_MAX}: lower layers to "
                f"{max(1, WEIGHTS_MAX // width**2)} or width to {math.isqrt(WEIGHTS_MAX // layers)}"
            )
        return v


class LayerHistogram(BaseModel):
    """Pre-activations (after batch norm when on) of every layer on one fixed grid of bins."""

    edges: list[float] = Field(description="Bin edges: 41, from -10 to 10 in steps of 1/2.")
    counts: list[list[int]] = Field(description="[layer l - 1][bin k]: values in [edges[k], edges[k+1]).")
    below: list[int] = Field(description="Per layer: values under -10.")
    above: list[int] = Field(description="Per layer: values at or over 10.")
    total: int = Field(description="Values per layer: B n.")
    flat_beyond: float | None = Field(
        description="tanh / sigmoid: phi'(a) < 1e-3 sup phi' for |a| beyond this (saturated); null for the others."
    )


class FeedForwardSummary(BaseModel):
    """The run in a few numbers."""

    log10_grad_w_first: float | None = Field(description=f"log10 ||dE/dW_1||; {_NULL}.")
    log10_grad_w_last: float | None = Field(description=f"log10 ||dE/dW_L||; {_NULL}.")
    log10_first_over_last: float | None = Field(
        description="log10 ||dE/dW_1|| - log10 ||dE/dW_L||: below 0, layers near the input learn 10^-x times "
        "slower; above 0, faster. null when either norm is 0."
    )
    gamma: float = Field(description="sup phi' (1/4 for sigmoid, 1 for the others).")
    init_std: float = Field(description="Entry standard deviation of W_l (orthogonal: 1, the gain).")
    mean_saturated_fraction: float = Field(description="saturated_fraction averaged over the layers.")
    mean_dead_fraction: float = Field(description="dead_fraction averaged over the layers.")
    beyond_fraction: float = Field(description="Share of all pre-activations beyond the histogram's +-10.")


class FeedForwardResponse(BaseModel):
    """GET /api/v1/feedforward. E = (1/B) sum_b <u_b, h_L[b]>; norms are Frobenius over the batch, as log10."""

    model: Literal["feedforward"] = "feedforward"
    config: FeedForwardQuery
    log10_grad_h: Floats = Field(description=f"log10 ||dE/dh_l||, l = 0 (the input)..L (index l); {_NULL}.")
    log10_grad_w: Floats = Field(description=f"log10 ||dE/dW_l||, l = 1..L (index l - 1); {_NULL}.")
    log10_rms_h: Floats = Field(description=f"log10 RMS of h_l's B n entries, l = 0..L (index l); {_NULL}.")
    saturated_fraction: list[float] = Field(
        description="Per layer (index l - 1): share of pre-activations where phi is flat: a <= 0 for ReLU and "
        "leaky ReLU, phi'(a) < 1e-3 sup phi' for tanh and sigmoid, never for linear."
    )
    dead_fraction: list[float] = Field(
        description="Per layer (index l - 1): share of units flat for every example of the batch (a dead ReLU "
        "passes no gradient at all)."
    )
    preactivations: LayerHistogram
    summary: FeedForwardSummary
    weights: dict[str, Any] | None = Field(None, description="With include=weights: W, x and u as nested lists.")


def summary(r: ff.FFResult, cfg: ff.FFConfig) -> FeedForwardSummary:
    """The run in a few numbers: the gradient at the first and last layer, saturation, dead units."""
    first, last = float(r.log10_grad_w[0]), float(r.log10_grad_w[-1])
    total = r.hist_counts.sum() + r.hist_below.sum() + r.hist_above.sum()
    return FeedForwardSummary(
        log10_grad_w_first=scalar(first),
        log10_grad_w_last=scalar(last),
        log10_first_over_last=scalar(first - last) if np.isfinite(first) and np.isfinite(last) else None,
        gamma=ACTIVATIONS[cfg.activation].gamma,
        init_std=ff.init_std(cfg.init, cfg.width),
        mean_saturated_fraction=float(r.saturated_fraction.mean()),
        mean_dead_fraction=float(r.dead_fraction.mean()),
        beyond_fraction=float((r.hist_below.sum() + r.hist_above.sum()) / total),
    )
