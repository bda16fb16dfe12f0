"""A training-lab network opened in the explorer is the same recursion: its states are the lab's own forward
pass, and its trained weights are the ones the lab's optimiser left."""

from __future__ import annotations

import numpy as np
import pytest

from core.model import stack
from core.model.from_training import from_training
from core.training import models


@pytest.mark.parametrize("kind", models.MODELS)
def test_the_explorer_runs_the_lab_s_recursion(kind: models.ModelName) -> None:
    rng = np.random.default_rng(3)
    params = models.init(kind, inputs=3, hidden=7, outputs=1, forget_bias=1.0, rng=rng)
    x = rng.standard_normal((20, 1, 3))
    lab = models.forward(kind, params, x)
    model = from_training(kind, params, x[:, 0])
    assert model.source == "training" and model.layers[0].cells[0].inputs == 3
    run = stack.layer_inputs(model, x[:, 0])[0]
    np.testing.assert_allclose(run.outputs, lab.h[1:, 0], rtol=0, atol=1e-13)


def test_a_mis_shaped_network_is_refused() -> None:
    params = models.init("gru", inputs=2, hidden=4, outputs=1, forget_bias=1.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="gru"):
        from_training("gru", params | {"b": np.zeros(5)})
