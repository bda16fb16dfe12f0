"""The theory's and the RNN's side computations' contract: GET /api/v1/meanfield, /api/v1/spectrum and
/api/v1/nearfar, and what their answers say when a computation is over its work budget."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from app.contract.fields import float_field
from app.contract.recurrent import BudgetedRNN
from core import RNNConfig, nearfar, spectrum, theory
from core import config as c
from core.config import ActivationName

Floats = list[float | None]
_D = RNNConfig()


class MeanFieldQuery(BaseModel):
    """Query of GET /api/v1/meanfield: what the mean-field fixed point depends on besides the scale."""

    model_config = ConfigDict(extra="forbid")

    activation: ActivationName = Field(_D.activation, description="phi in h_t = phi(W h_{t-1} + U x_t + b).")
    input_scale: float = float_field(_D.input_scale, c.INPUT_SCALE, "x_t ~ N(0, input_scale^2).")
    bias: float = float_field(_D.bias, c.BIAS, "Every entry of the bias b.")


class MeanFieldResponse(BaseModel):
    """chi along the scale slider and the edge of chaos, for random W ~ N(0, scale^2/n) (or scale * orthogonal)."""

    model: str = "meanfield"
    config: MeanFieldQuery
    scale: list[float] = Field(description="The scale slider at steps of 0.05.")
    chi: list[float] = Field(description="scale^2 E[phi'(a)^2], a ~ N(bias, q*(scale)).")
    log10_growth_per_step: Floats = Field(
        description="0.5 log10 chi: predicted log10 change of ||dh_t/dh_k|| per step."
    )
    edge_of_chaos: float | None = Field(
        description="Smallest scale with chi = 1; null when chi < 1 on the whole slider."
    )


class Spectrum(BaseModel):
    """The singular values of dh_T/dh_0 for one recurrent init."""

    init: str
    log10_values: Floats = Field(description="log10 singular values, descending; null for an exact zero.")


class SpectrumResponse(BudgetedRNN):
    """Singular values of dh_T/dh_0 for gaussian and orthogonal W (and identity when chosen), as log10."""

    model: str = "spectrum"
    work: float = Field(description="(T + 100) n^3 per spectrum: the QR steps and the final Jacobi sweeps.")
    spectra: list[Spectrum] = Field([], description="One per init; empty when not computed.")
    log10_mean_field: float | None = Field(
        None,
        description="T * 0.5 log10 chi: the mean-field root mean square singular value (random W); null if chi = 0.",
    )


def spectrum_over_budget(cfg: RNNConfig) -> str | None:
    """Why the spectrum is not computed for these sizes, and what to lower (None: it is)."""
    cost = spectrum.work(cfg.steps, cfg.hidden)
    if cost <= spectrum.WORK_BUDGET:
        return None
    max_steps, max_hidden = spectrum.largest_within_budget(cfg.steps, cfg.hidden)
    lower = f"lower steps to {max_steps} or hidden to {max_hidden}." if max_steps else f"lower hidden to {max_hidden}."
    return (
        f"The singular spectrum needs {cost:.3g} work units ((T + 100) n^3), over the budget of "
        f"{spectrum.WORK_BUDGET:.3g}: {lower}"
    )


def log10_mean_field(cfg: RNNConfig) -> float | None:
    """T * 0.5 log10 chi: the mean-field root mean square singular value of dh_T/dh_0 (None if chi = 0)."""
    growth = theory.mean_field(cfg.activation, cfg.scale, cfg.input_scale, cfg.bias).log10_growth_per_step
    return float(growth * cfg.steps) if np.isfinite(growth) else None


class NearFarResponse(BudgetedRNN):
    """dE/dW = sum over distances delta = t - k of S_delta, for E = sum_t <u, h_t>; norms are Frobenius, as log10."""

    model: str = "nearfar"
    work: float = Field(description="2 T^2 n^2 multiply-adds.")
    # Empty (null total) when not computed.
    log10_total: float | None = Field(None, description="log10 ||dE/dW||.")
    log10_term: Floats = Field([], description="log10 ||S_delta||, delta = 0..T-1; null for an exact zero.")
    log10_tail: Floats = Field(
        [], description="log10 ||sum_{delta >= d} S_delta||, d = 0..T-1: what distances >= d carry."
    )
    log10_tail_parts: Floats = Field([], description="log10 sum_{delta >= d} ||S_delta|| (no cancellation).")
    log10_share: Floats = Field(
        [], description="log10_tail - log10_total: the share of the gradient from distances >= d."
    )


def nearfar_over_budget(cfg: RNNConfig) -> str | None:
    """Why the split is not computed for these sizes, and what to lower (None: it is)."""
    cost = nearfar.work(cfg.steps, cfg.hidden)
    if cost <= nearfar.WORK_BUDGET:
        return None
    max_steps, max_hidden = nearfar.largest_within_budget(cfg.steps, cfg.hidden)
    return (
        f"The near/far split needs {cost:.3g} multiply-adds, over the budget of {nearfar.WORK_BUDGET:.3g}: "
        f"lower steps to {max_steps} or hidden to {max_hidden}."
    )
