"""The frameworks' own answers for a recurrent layer's recursion, written beside each model fixture.

For one layer and direction, a framework step function s_t = step(s_{t-1}, x_t) (the framework's cell, run
one step at a time in float64; s is h, or (h, c) concatenated for an LSTM) and the sequence the cell reads
give, by torch autograd:
    states  (T+1, d)    s_0 = 0, s_1..s_T
    decay   (T+1,)      log10 ||ds_T/ds_k||_2, k = 0..T
    pairs   (T+1, T+1)  log10 ||ds_t/ds_k||_2 at [t, k], NaN where k > t
    units   (n, T+1)    log10 |u^T dh_T/dh_k| per unit, u = core.weights.probe(seed, n) (for an LSTM the
                        h block of the full-state Jacobian, c_k held fixed)
and for an LSTM also decay_h and pairs_h: the same norms of the h block dh_t/dh_k alone (c_k held fixed).
The inputs of the layer are held fixed: these are Jacobians of the layer's own recursion. A reverse cell reads
the time-reversed sequence, and its arrays run in its own time (its index t is original time T + 1 - t).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

from core import weights

Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _log10_spectral(m: np.ndarray) -> float:
    s = float(np.linalg.norm(m, 2))
    return float(np.log10(s)) if s > 0 else float("-inf")


def recursion(step: Step, x: torch.Tensor, d: int, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """states, decay, pairs, units (module docstring) of one cell over x (T, m), float64."""
    T = x.shape[0]
    states = [torch.zeros(d, dtype=torch.float64)]
    with torch.no_grad():
        for t in range(T):
            states.append(step(states[-1], x[t]))

    def run_from(k: int) -> Callable[[torch.Tensor], torch.Tensor]:
        def f(s: torch.Tensor) -> torch.Tensor:
            out = []
            for t in range(k, T):
                s = step(s, x[t])
                out.append(s)
            return torch.stack(out)

        return f

    pairs, pairs_h = np.full((T + 1, T + 1), np.nan), np.full((T + 1, T + 1), np.nan)
    decay, decay_h = np.empty(T + 1), np.empty(T + 1)
    units = np.empty((n, T + 1))
    u = weights.probe(seed, n)
    for k in range(T + 1):
        pairs[k, k] = pairs_h[k, k] = 0.0
        if k == T:
            last = np.eye(d)
        else:
            jacobian = torch.autograd.functional.jacobian(run_from(k), states[k])  # type: ignore[no-untyped-call]
            jac = jacobian.numpy()  # (T - k, d, d)
            for t in range(k + 1, T + 1):
                pairs[t, k] = _log10_spectral(jac[t - k - 1])
                pairs_h[t, k] = _log10_spectral(jac[t - k - 1][:n, :n])
            last = jac[-1]
        decay[k] = _log10_spectral(last)
        decay_h[k] = _log10_spectral(last[:n, :n])
        with np.errstate(divide="ignore"):
            units[:, k] = np.log10(np.abs(u @ last[:n, :n]))
    out = {"states": torch.stack(states).numpy(), "decay": decay, "pairs": pairs, "units": units}
    return out | ({"decay_h": decay_h, "pairs_h": pairs_h} if d > n else {})


def write(path: Path, x: np.ndarray, outputs: list[np.ndarray], cells: dict[tuple[int, str], dict[str, np.ndarray]],
          meta: dict[str, str]) -> None:  # fmt: skip
    """<name>.reference.safetensors: x, out.l{l} (T, width) per layer, and per layer and direction
    {states, decay, pairs, units}.l{l}.{forward|reverse}; all float64."""
    arrays = {"x": np.ascontiguousarray(x, dtype=np.float64)}
    for i, out in enumerate(outputs):
        arrays[f"out.l{i}"] = np.ascontiguousarray(out, dtype=np.float64)
    for (layer, direction), values in cells.items():
        for key, a in values.items():
            arrays[f"{key}.l{layer}.{direction}"] = np.ascontiguousarray(a, dtype=np.float64)
    save_file(arrays, str(path), metadata=meta)
