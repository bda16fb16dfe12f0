"""The core is pure NumPy: importing it pulls in nothing from the web stack."""

import subprocess
import sys

WEB = ["fastapi", "starlette", "pydantic", "plotly", "jinja2", "uvicorn"]


def test_core_imports_no_web_package() -> None:
    code = "import sys, core, core.explore, core.cells; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert "core" in out and "numpy" in out
    assert [m for m in WEB if m in out] == []
