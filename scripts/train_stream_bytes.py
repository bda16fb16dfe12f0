"""Bytes per second of the training lab's event stream, with and without the figures it carries.

    python -m scripts.train_stream_bytes [seconds]

Streams GET /api/v1/train from a fresh server at the page's default settings and at the largest, for a few
seconds each (or to the end of the run), and prints the bytes per second of the whole stream and of its update
columns alone (the stream as it was before the figures travelled with it).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from scripts.serve import running_server

RUNS = {
    "default": "",
    "largest": "model=lstm&task=recall&lag=200&hidden=64&batch=64&iterations=20000",
    "largest rnn": "model=rnn&task=adding&lag=200&hidden=64&batch=64&iterations=20000&reg_weight=1",
}


def measure(base: str, query: str, seconds: float) -> tuple[float, int, int, int]:
    """(elapsed s, all bytes, bytes without figures and facts, progress events with figures)."""
    total = columns = drawn = 0
    t0 = time.monotonic()
    with urllib.request.urlopen(f"{base}/api/v1/train?{query}", timeout=120) as resp:
        for raw in resp:
            total += len(raw)
            line = raw.decode()
            if line.startswith("data:"):
                d = json.loads(line[5:])
                drawn += "figures" in d
                d.pop("figures", None)
                d.pop("facts", None)
                columns += len(f"data: {json.dumps(d, separators=(',', ':'))}\n")
            else:
                columns += len(raw)
            if time.monotonic() - t0 > seconds:
                break
    return time.monotonic() - t0, total, columns, drawn


def main(seconds: float) -> None:
    with running_server() as base:
        for name, query in RUNS.items():
            took, total, columns, drawn = measure(base, query, seconds)
            print(
                f"{name}: {took:.1f} s, {total / took / 1e3:.1f} kB/s with the figures ({drawn} events drew), "
                f"{columns / took / 1e3:.1f} kB/s of columns alone",
                flush=True,
            )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
