"""Independent GRU reference: the forward pass written from the equations alone, differentiated by complex step.

Nothing here imports the product's core. Weights use the names W_{g}h, W_{g}x, b_{g} for the
update gate g = z, the reset gate g = r and the candidate g = h; h0 is the initial state and x (T, n_in)
the inputs. With b_hn (the recurrent candidate bias) in the weights, the reset gate acts after W_hh, as in
PyTorch and Keras: g = tanh(W_hx x + b_h + r * (W_hh h + b_hn)); without it, before (Cho et al. 2014):
g = tanh(W_hh (r * h) + W_hx x + b_h). Every function used (1 / (1 + e^-a), tanh, products) is analytic, so
d f/dx_j = Im f(x + i h e_j) / h is exact to rounding.
"""

from __future__ import annotations

import numpy as np

H = 1e-30


def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def gru_run(w: dict[str, np.ndarray], h: np.ndarray, start: int, stop: int) -> np.ndarray:
    """h after steps start+1..stop from h at step start (complex allowed)."""
    for s in range(start, stop):
        x = w["x"][s]
        z = _sig(w["W_zh"] @ h + w["W_zx"] @ x + w["b_z"])
        r = _sig(w["W_rh"] @ h + w["W_rx"] @ x + w["b_r"])
        if "b_hn" in w:
            cand = np.tanh(w["W_hx"] @ x + w["b_h"] + r * (w["W_hh"] @ h + w["b_hn"]))
        else:
            cand = np.tanh(w["W_hh"] @ (r * h) + w["W_hx"] @ x + w["b_h"])
        h = (1.0 - z) * h + z * cand
    return h


def gru_states(w: dict[str, np.ndarray]) -> list[np.ndarray]:
    """h_0..h_T."""
    hs = [np.asarray(w["h0"], dtype=float)]
    for s in range(len(w["x"])):
        hs.append(gru_run(w, hs[-1], s, s + 1))
    return hs


def gru_update_gates(w: dict[str, np.ndarray]) -> np.ndarray:
    """z_1..z_T of a run, (T, n)."""
    hs = gru_states(w)
    return np.array([_sig(w["W_zh"] @ hs[s] + w["W_zx"] @ x + w["b_z"]) for s, x in enumerate(w["x"])])


def gru_jacobian(w: dict[str, np.ndarray], t: int, k: int) -> np.ndarray:
    """dh_t/dh_k by complex step through steps k+1..t."""
    hk = gru_states(w)[k]
    cols = []
    for j in range(hk.shape[0]):
        h = hk.astype(complex)
        h[j] += 1j * H
        cols.append(gru_run(w, h, k, t).imag / H)
    return np.array(cols).T
