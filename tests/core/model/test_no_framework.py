"""Reading a model file loads no deep-learning framework and nothing of the web stack: only NumPy and the
file-format libraries (onnx, h5py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

FORBIDDEN = ["torch", "keras", "tensorflow", "jax", "onnxruntime", "fastapi", "starlette", "pydantic", "plotly"]


def test_reading_files_loads_no_framework():
    code = (
        "import sys, pathlib\n"
        "from core.model.checks import Limits\n"
        "from core.model.load import load\n"
        "root = pathlib.Path('tests/fixtures/models/read')\n"
        "for name in ('torch_lstm_bi.onnx', 'keras_stack.keras', 'keras_lstm_lstm.weights.h5'):\n"
        "    load((root / name).read_bytes(), name, None, Limits())\n"
        "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    assert {"onnx", "h5py", "numpy"} <= set(loaded)
    assert [m for m in FORBIDDEN if m in loaded] == []
