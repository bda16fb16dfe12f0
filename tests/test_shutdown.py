"""SIGTERM to `bptt-explorer serve`: a training stream in flight ends with its done event, the server logs the
shutdown and exits 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.serve import ROOT, free_port, wait_for

TRAIN = "/api/v1/train?model=rnn&task=adding&lag=5&hidden=8&iterations=20000&seed=3"


def _events(stream: Any) -> Any:
    """(name, data) of each server-sent event as it arrives."""
    name = None
    for raw in stream:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_lets_a_training_stream_finish_and_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    err = tmp_path / "stderr.log"
    with err.open("w") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=sink, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/readyz", proc, 60)
        seen = []
        with urllib.request.urlopen(base + TRAIN, timeout=60) as r:
            assert r.status == 200
            for name, data in _events(r):
                seen.append((name, data))
                if name == "progress" and len(seen) == 2:  # the run is under way: stop the server now
                    proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = err.read_text()
    names = [name for name, _ in seen]
    assert names[0] == "start" and names[-1] == "done", names
    done = seen[-1][1]
    assert done["reason"] == "shutdown" and 0 < done["updates"] < 20000
    assert done["message"].startswith("The server is restarting")
    assert done["evaluation"] is not None  # the held-out score of where the run stopped
    assert code == 0, log
    lines = _json_lines(log)
    events = [line.get("event") for line in lines]
    assert "started" in events and "shutdown" in events and events[-1] == "stopped", events
    assert next(line for line in lines if line.get("event") == "shutdown")["signal"] == "SIGTERM"
    (train,) = [line for line in lines if line.get("path") == "/api/v1/train"]
    assert train["status"] == 200 and train["bytes"] > 0 and events.index("shutdown") < lines.index(train)
    assert "Waiting for connections to close" in log or "Shutting down" in log
    assert '"GET /readyz HTTP/1.1" 200' not in log  # uvicorn's own access log is off
