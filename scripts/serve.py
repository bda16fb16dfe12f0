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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(url: str, proc: subprocess.Popen[Any], timeout: float) -> None:
    """Polls url until it answers 200; raises if the server process ends or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer {url}") from None
            time.sleep(0.1)


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
    try:
        wait_for(f"{base}/healthz", proc, timeout)
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
