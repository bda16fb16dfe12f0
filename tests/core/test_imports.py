"""The core is pure NumPy: importing it pulls in nothing from the web stack. Above it, the contract and the
figures load no web framework either, so a notebook draws the figures without a server."""

import subprocess
import sys

WEB = ["fastapi", "starlette", "pydantic", "plotly", "jinja2", "uvicorn"]
SERVER = ["fastapi", "starlette", "uvicorn"]


def _loaded(modules: str) -> list[str]:
    """The top-level packages a fresh interpreter holds after importing `modules`."""
    code = f"import sys, {modules}; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()


def test_core_imports_no_web_package() -> None:
    out = _loaded("core, core.explore, core.cells")
    assert "core" in out and "numpy" in out
    assert [m for m in WEB if m in out] == []


def test_figures_and_contract_load_no_web_framework() -> None:
    out = _loaded("app.figures, app.figures.views, app.contract.errors, app.contract.cost")
    assert "app" in out and "plotly" in out and "pydantic" in out
    assert [m for m in SERVER if m in out] == []
