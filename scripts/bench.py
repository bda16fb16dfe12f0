"""`make bench`: the engine beside a plain NumPy loop and PyTorch autograd, browser latency, response bytes.

One run on one machine; prints a markdown table and writes bench-results/bench.{md,json}.
python -m scripts.bench [--quick] [--no-torch] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from scripts import bench_core
from scripts.serve import running_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"


def response_bytes(base: str, model: str, n: int, T: int) -> dict[str, Any]:
    """Bytes of one answer: the page's compact format gzipped on the wire, and the plain JSON."""
    out: dict[str, Any] = {"model": model, "n": n, "T": T}
    for label, extra, enc in (("compact_gzip", "&format=compact", "gzip"), ("json", "", "identity")):
        req = urllib.request.Request(
            f"{base}/api/v1/{model}?hidden={n}&steps={T}&seed=99{extra}", headers={"Accept-Encoding": enc}
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as r:
            out[label] = len(r.read())
        out[f"{label}_s"] = time.perf_counter() - t0
    return out


def browser(base: str, quick: bool) -> list[dict[str, Any]]:
    """Each view's slider as a hand moves it (scripts/drag.py): single steps and a 3 s drag, beside the floor page,
    at 1400×1000 and in presenter mode at 1920×1080."""
    from scripts import drag

    cases = [c for c in drag.CASES if not quick or "n = 128" not in c.label]
    return drag.measure(base, cases, moves=15 if quick else 30)


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def markdown(result: dict[str, Any]) -> str:
    peak = result["peak_gflops"]
    lines = [f"Machine: float64 GEMM peak {peak:.1f} GFLOP/s (4096², best of 3); {result['when']}.", ""]
    lines += [
        "| model | n | T | job | GFLOP | ours ms | GFLOP/s | % peak | NumPy loop ms | ×NumPy | PyTorch ms | ×PyTorch | max Δlog10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["core"]:
        numpy_ratio = r["numpy_s"] / r["ours_s"] if "numpy_s" in r else None
        torch_ratio = r["torch_s"] / r["ours_s"] if "torch_s" in r else None
        agreement = (
            max(r.get("agree_numpy", 0.0), r.get("agree_torch", 0.0))
            if "agree_numpy" in r or "agree_torch" in r
            else None
        )
        if "estimate_err_max" in r:
            agreement = f"estimate: median {r['estimate_err_median']:.2g}, max {r['estimate_err_max']:.2g}"
        lines.append(
            "| "
            + " | ".join(
                [
                    r["model"],
                    str(r["n"]),
                    str(r["T"]),
                    r["job"],
                    _fmt(r["gflop"]),
                    _fmt(r["ours_s"] * 1e3),
                    _fmt(r["gflops"]),
                    f"{100 * r['peak_frac']:.0f}",
                    _fmt(r.get("numpy_s", None) and r["numpy_s"] * 1e3),
                    _fmt(numpy_ratio),
                    _fmt(r.get("torch_s", None) and r["torch_s"] * 1e3),
                    _fmt(torch_ratio),
                    _fmt(agreement, 2),
                ]
            )
            + " |"
        )
    if result["browser"]:
        from scripts.drag import table

        lines += ["", table(result["browser"]).rstrip("\n")]
    lines += [
        "",
        "| model | n | T | compact + gzip bytes | plain JSON bytes | request s (cold) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {b['model']} | {b['n']} | {b['T']} | {b['compact_gzip']:,} | {b['json']:,} | {b['compact_gzip_s']:.2f} |"
        for b in result["bytes"]
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the largest size")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    sizes = bench_core.SIZES[:-1] if args.quick else bench_core.SIZES
    with_torch = not args.no_torch
    if with_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            print("PyTorch not installed (pip install -e '.[bench]'): skipping its column", flush=True)
            with_torch = False
    if with_torch:
        bench_core.torch_decay_units(
            "rnn", *bench_core.prepare("rnn", 4, 5)[1:3], np.ones(4) / 2
        )  # warm-up: first call loads kernels
    peak = bench_core.matmul_peak()
    print(f"float64 GEMM peak: {peak:.1f} GFLOP/s", flush=True)
    result: dict[str, Any] = {
        "peak_gflops": peak,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "core": [],
        "browser": [],
        "bytes": [],
    }
    for model in ("rnn", "lstm"):
        for n, T in sizes:
            rows = bench_core.bench_size(model, n, T, peak, with_torch, repeats=3 if n <= 128 else 2)
            result["core"] += rows
            for r in rows:
                print(
                    f"  {model} ({n}, {T}) {r['job']}: {r['ours_s'] * 1e3:.1f} ms, {100 * r['peak_frac']:.0f}% of peak",
                    flush=True,
                )
    with running_server() as base:
        for model in ("rnn", "lstm"):
            for n, T in sizes:
                result["bytes"].append(response_bytes(base, model, n, T))
        if not args.no_browser:
            result["browser"] = browser(base, args.quick)
    OUT.mkdir(exist_ok=True)
    (OUT / "bench.json").write_text(json.dumps(result, indent=1))
    text = markdown(result)
    (OUT / "bench.md").write_text(text)
    _update_docs(text)
    print(text)


def _update_docs(table: str) -> None:
    """Replace the results between the bench markers of docs/performance.md with this run's tables."""
    doc = ROOT / "docs" / "performance.md"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = doc.read_text()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        doc.write_text(f"{head}{start}\n{table}{end}{rest.split(end, 1)[1]}")


if __name__ == "__main__":
    main()
