"""GET /api/v1/meanfield and /api/v1/spectrum: the theory drawn beside the RNN's measured gradients."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request, Response

from app.contract.encode import floats
from app.contract.recurrent import RNNQuery, rnn_arrays
from app.contract.theory import (
    MeanFieldQuery,
    MeanFieldResponse,
    Spectrum,
    SpectrumResponse,
    log10_mean_field,
    spectrum_over_budget,
)
from app.endpoints.api import answer
from app.service.limits import LIMITED
from core import RNNConfig, spectrum, theory

router = APIRouter(prefix="/api/v1", tags=["theory"], responses=LIMITED)
Floats = list[float | None]


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
