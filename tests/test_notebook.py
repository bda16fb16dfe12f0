"""notebooks/explore.ipynb runs top to bottom in a real kernel and shows Plotly figures, with no error."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_runs_and_shows_figures() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    # The kernel starts in notebooks/ as Jupyter would; the notebook finds the repository from there.
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    figures = [o.data[PLOTLY] for o in outputs if o.output_type == "display_data" and PLOTLY in o.data]
    # vanishing decay, exploding decay and pairs, two cell paths, a Chinese decay, one unit, near/far, a deep
    # network, the cliff and its runs, a training run's loss and gradient
    assert len(figures) == 13
    titles = [f["layout"]["title"]["text"] for f in figures]
    assert titles[0] == "Gradient reaching step k from step T" and titles[5] == "从第 T 步传回第 k 步的梯度"
    assert titles[3] == "LSTM: cell-state path vs all paths" and titles[6] == "Each factor and their product"
    # The exploding curve climbs: its far end (k = 0) is far above its near end (k = T).
    y = figures[1]["data"][0]["y"]
    decay = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
    assert decay[0] > decay[-1] + 5
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "forget_bias must be a number in -10..10 (got 12)" in printed
