"""GET /api/v1/meanfield and /api/v1/spectrum: the theory drawn beside the RNN's measured gradients."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api import answer
from app.encode import floats
from app.limits import LIMITED
from app.schemas import BudgetedRNN, RNNQuery, float_field, rnn_arrays
from core import RNNConfig, spectrum, theory
from core import config as c
from core.config import ActivationName

router = APIRouter(prefix="/api/v1", tags=["theory"], responses=LIMITED)
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


def meanfield_body(q: MeanFieldQuery) -> bytes:
    """The JSON body of one mean-field query."""
    chi = theory.chi_curve(q.activation, q.input_scale, q.bias, theory.SLIDER_SCALES)
    with np.errstate(divide="ignore"):
        growth = 0.5 * np.log10(chi)
    edge = theory.edge_of_chaos(q.activation, q.input_scale, q.bias, chi)
    out = MeanFieldResponse(
        config=q,
        scale=theory.SLIDER_SCALES.tolist(),
        chi=chi.tolist(),
        log10_growth_per_step=floats(growth),
        edge_of_chaos=edge,
    )
    return out.model_dump_json().encode()


@router.get("/meanfield", response_model=MeanFieldResponse, summary="Mean-field chi and the edge of chaos")
def meanfield(request: Request, q: Annotated[MeanFieldQuery, Query()]) -> Response:
    """chi = scale^2 E[phi'(a)^2] at the fixed point of the pre-activation variance, over the scale slider."""
    return answer(request, "meanfield", q, lambda: meanfield_body(q))


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


def spectrum_body(q: RNNQuery) -> bytes:
    """The JSON body of one spectrum query."""
    cfg = RNNConfig(**q.model_dump(exclude={"include", "format"}))
    cost = spectrum.work(cfg.steps, cfg.hidden)
    arrays = {i: rnn_arrays(replace(cfg, init=i)) for i in spectrum.inits_of(cfg)} if q.include else None
    base = {"config": q, "work": cost, "budget": spectrum.WORK_BUDGET, "weights": arrays}
    message = spectrum_over_budget(cfg)
    if message is not None:
        return SpectrumResponse(**base, computed=False, message=message).model_dump_json().encode()
    s = spectrum.run_spectra(cfg)
    spectra = [Spectrum(init=i, log10_values=floats(v)) for i, v in zip(s.inits, s.log10_values, strict=True)]
    mean_field = log10_mean_field(cfg)
    out = SpectrumResponse(**base, computed=True, message=None, spectra=spectra, log10_mean_field=mean_field)
    return out.model_dump_json().encode()


@router.get("/spectrum", response_model=SpectrumResponse, summary="Singular spectrum of dh_T/dh_0")
def singular_spectrum(request: Request, q: Annotated[RNNQuery, Query()]) -> Response:
    """Every singular value of the product of T Jacobians, for gaussian and orthogonal W at the run's settings."""
    return answer(request, "spectrum", q, lambda: spectrum_body(q))
