"""The distribution as a user installs it: the wheel, built from this checkout, installed into a fresh virtual
environment outside it, serves the explorer and writes an offline file from a directory of its own."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.serve import ROOT, free_port, wait_for

PIP = ["-m", "pip", "--disable-pip-version-check", "--quiet"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ folder of a fresh virtual environment with the wheel (and its dependencies) installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, *PIP, "wheel", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)], check=True)
    (wheel,) = (tmp / "dist").glob("bptt_explorer-*.whl")
    env_dir = tmp / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), *PIP, "install", str(wheel)], check=True, cwd=tmp)
    yield env_dir / "bin"


def test_the_wheel_carries_the_pages_and_assets(installed: Path, tmp_path: Path) -> None:
    code = "import app, pathlib; print(pathlib.Path(app.__file__).parent)"
    run = subprocess.run(
        [str(installed / "python"), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    where = Path(run.stdout.strip())
    assert ROOT not in where.parents  # the installed copy, not this checkout
    for part in ("static", "templates"):
        assert (where / part).is_dir() and not (where / part).is_symlink()
    shipped = {p.relative_to(where).as_posix() for p in where.rglob("*") if p.is_file()}
    for tree in ("static", "templates"):
        wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / tree).rglob("*") if p.is_file()}
        assert wanted <= shipped, sorted(wanted - shipped)[:5]
    assert "locales/zh.json" in shipped


def test_the_installed_command_serves_from_any_directory(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(installed / "bptt-explorer"), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"{base}/healthz", proc, timeout=60)
        with urllib.request.urlopen(f"{base}/", timeout=30) as r:
            page = r.read().decode()
            assert r.status == 200
        scripts = [s.split('"')[0] for s in page.split('<script src="')[1:]]
        plotly = next(s for s in scripts if "plotly" in s)
        for path in ("/static/css/app.css", plotly, "/api/v1/figures/rnn"):
            with urllib.request.urlopen(f"{base}{path}", timeout=60) as r:
                assert r.status == 200 and len(r.read()) > 1000, path
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]


def test_the_installed_command_exports_an_offline_file(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "c1.html"
    subprocess.run([str(installed / "bptt-explorer"), "export", "c1", "-o", out.name], cwd=tmp_path, check=True)
    text = out.read_text(encoding="utf-8")
    assert len(text) > 1_000_000 and "plotly" in text and "katex" in text.lower()
