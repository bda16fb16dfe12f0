"""Where the units sit on phi': the distribution of a run's pre-activations (claim C4, saturation).

A unit whose pre-activation is far in a flat tail has phi'(a) near 0 and passes almost no gradient;
ReLU units with a < 0 pass none ("dead" at that step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.activations import ACTIVATIONS

EDGES = np.linspace(-8.0, 8.0, 65)  # 64 bins of width 1/4 on the drawn range of phi
SATURATED = 1e-3  # phi'(a) below this fraction of sup phi' counts as saturated


@dataclass(frozen=True)
class Preactivations:
    """A histogram of every a_t[i] of a run, and how many sit where phi' (almost) vanishes."""

    edges: np.ndarray  # (65,) bin edges
    counts: np.ndarray  # (64,) values in each bin
    below: int  # values under edges[0]
    above: int  # values over edges[-1]
    saturated_fraction: float  # phi'(a) < SATURATED * sup phi'
    zero_fraction: float  # phi'(a) == 0 exactly (ReLU on the negative side)


def preactivations(activation: str, pre: np.ndarray, pre_log2: np.ndarray | None = None) -> Preactivations:
    """Histogram of pre-activations pre (T, n) whose true values are pre * 2**pre_log2[t] (exploding ReLU /
    linear runs are carried scaled down)."""
    act = ACTIVATIONS[activation]
    log_d = act.log_dphi(pre)  # the sign pattern (and for bounded activations the value) is what matters
    finite = np.isfinite(log_d)
    total = max(pre.size, 1)
    saturated = float(np.count_nonzero(~finite | (log_d < np.log(SATURATED * act.gamma)))) / total
    zero = float(np.count_nonzero(~finite)) / total
    values = pre
    if pre_log2 is not None and np.any(pre_log2):
        with np.errstate(over="ignore"):  # past float64 is past every edge: +-inf keeps the side
            values = np.ldexp(pre, pre_log2[:, None])
    counts, _ = np.histogram(values[np.isfinite(values)], bins=EDGES)
    return Preactivations(
        edges=EDGES,
        counts=counts,
        below=int(np.count_nonzero(values < EDGES[0])),
        above=int(np.count_nonzero(values > EDGES[-1])),
        saturated_fraction=saturated,
        zero_fraction=zero,
    )
