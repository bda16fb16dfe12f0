"""A real uvicorn serving the app on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(
    timeout: float = 30.0, port: int | None = None, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """Starts uvicorn (on a free port unless given; `env` adds environment variables such as BPTT_* settings),
    waits for /healthz, yields the base URL, stops it. `log`: a file for its output (default: ours)."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    out = log.open("ab") if log is not None else None
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env} if env else None, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a long computation still running: no need to wait for it
            proc.kill()
            proc.wait()
        if out is not None:
            out.close()
