"""A bounded load test on loopback (wrk): the same mix of requests sent to (a) the uvicorn workers directly and
(b) nginx with its cache in front of them; req/s, p50/p99 latency, errors and the cache hit ratio.

    python -m scripts.load [--seconds 20] [--connections 32]

The mix (weights in per cent of requests) is what a class moving sliders asks for:
  hot     60  slider positions many people share (default sizes; each URL repeats: cache hits)
  large   10  large sizes, 4-8x the default width and 10-20x its steps (repeated: hits after the first)
  miss    10  a fresh seed in each URL (misses everywhere: every one is computed)
  page    10  HTML pages (never cached by nginx)
  static  10  scripts and styles (cached by nginx for ten minutes)
Then 300 clients ask for one new URL at the same moment, directly and through nginx (whose cache lock lets one
request compute while the others wait for its answer): how many computations, and when the last answer came.
wrk runs on the same two cores as the workers and nginx, so the numbers are a floor of what a machine that
only serves can do. Errors are answers other than 2xx/3xx plus connection errors and timeouts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.nginx_stack import Stack, read_log, running_stack

TIMEOUT_S = 10  # a request slower than this counts as an error (timeout)

_HOT_API = [
    "/api/v1/rnn?format=compact",
    "/api/v1/rnn?format=compact&scale=0.9",
    "/api/v1/rnn?format=compact&scale=1.1",
    "/api/v1/rnn?format=compact&scale=1.2&activation=relu",
    "/api/v1/lstm?format=compact",
    "/api/v1/lstm?format=compact&forget_bias=3",
    "/api/v1/gru?format=compact",
    "/api/v1/scalar",
    "/api/v1/nearfar",
    "/api/v1/feedforward",
    "/api/v1/meanfield",
    "/api/v1/spectrum",
    "/api/v1/cliff",
]
_LARGE_API = [
    "/api/v1/rnn?format=compact&hidden=128&steps=1000",
    "/api/v1/rnn?format=compact&hidden=128&steps=1000&scale=1.5",
    "/api/v1/lstm?format=compact&hidden=64&steps=500",
    "/api/v1/gru?format=compact&hidden=64&steps=500",
]
# Each request appends a random seed: a URL nobody asked for before.
_MISS_PREFIXES = [
    "/api/v1/rnn?format=compact&seed=",
    "/api/v1/lstm?format=compact&seed=",
    "/api/v1/scalar?seed=",
    "/api/v1/feedforward?seed=",
]
_PAGES = ["/", "/scalar", "/feedforward", "/cliff", "/stories", "/train", "/?lang=zh"]
_STATIC = [
    "/static/css/app.css",
    "/static/js/view.js",
    "/static/js/api.js",
    "/static/js/state.js",
    "/static/js/recurrent.js",
    "/static/js/plots.js",
    "/static/vendor/katex-0.19.1/katex.min.css",
    "/static/vendor/katex-0.19.1/katex.min.js",
]
BURST_PATH = "/api/v1/rnn?format=compact&seed="  # default sizes, about 35 ms of compute on an idle core
BURST_CLIENTS = 300
WEIGHTS = {"hot": 60, "large": 10, "miss": 10, "page": 10, "static": 10}

_LUA = """-- The request mix of scripts/load.py (generated).
local classes = %(classes)s
local prefixes = %(prefixes)s
local cumulative = %(cumulative)s
local targets = %(targets)s
wrk.headers["Accept-Encoding"] = "gzip"  -- as browsers send it

local count = 0
function setup(thread)
  count = count + 1
  thread:set("id", count)
  if #targets > 0 then  -- threads spread over the workers' own ports
    local t = targets[(count - 1) %% #targets + 1]
    thread.addr = wrk.lookup(t[1], t[2])[1]
  end
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

local function pick(list) return list[math.random(#list)] end

function request()
  local r = math.random(100)
  if r <= cumulative[1] then return wrk.format("GET", pick(classes.hot)) end
  if r <= cumulative[2] then return wrk.format("GET", pick(classes.large)) end
  if r <= cumulative[3] then return wrk.format("GET", pick(prefixes) .. math.random(0, 2147483647)) end
  if r <= cumulative[4] then return wrk.format("GET", pick(classes.page)) end
  return wrk.format("GET", pick(classes.static))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_list(items: Sequence[str]) -> str:
    return "{" + ", ".join(json.dumps(i) for i in items) + "}"


def lua_script(hot: Sequence[str], large: Sequence[str], direct: Sequence[str] = ()) -> str:
    """wrk's script for the mix; direct: worker base URLs that wrk's threads take turns at (else the URL given)."""
    classes = {"hot": hot, "large": large or hot, "page": _PAGES, "static": _STATIC}
    cumulative, total = [], 0
    for name in ("hot", "large", "miss", "page"):
        total += WEIGHTS[name]
        cumulative.append(total)
    targets = [b.removeprefix("http://").rsplit(":", 1) for b in direct]
    return _LUA % {
        "classes": "{" + ", ".join(f"{k} = {_lua_list(v)}" for k, v in classes.items()) + "}",
        "prefixes": _lua_list(_MISS_PREFIXES),
        "cumulative": "{" + ", ".join(map(str, cumulative)) + "}",
        "targets": "{" + ", ".join(f"{{{json.dumps(h)}, {json.dumps(p)}}}" for h, p in targets) + "}",
    }


@dataclass(frozen=True)
class LoadResult:
    """What wrk measured over one run."""

    requests: int
    seconds: float
    megabytes: float
    errors: dict[str, int]  # connect, read, write, status (not 2xx/3xx), timeout
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def describe(self, label: str) -> str:
        detail = ", ".join(f"{k} {v}" for k, v in self.errors.items() if v) or "none"
        return (
            f"{label:>28}: {self.rate:7.0f} req/s  p50 {self.p50_ms:6.1f} ms  p90 {self.p90_ms:6.1f} ms  "
            f"p99 {self.p99_ms:7.1f} ms  max {self.max_ms:7.1f} ms  errors {self.error_count} ({detail})  "
            f"{self.requests} requests, {self.megabytes:.0f} MB in {self.seconds:.0f} s"
        )


def parse_wrk(output: str) -> LoadResult:
    line = next((ln for ln in output.splitlines() if ln.startswith("LOADRESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    r: dict[str, Any] = json.loads(line.removeprefix("LOADRESULT "))
    return LoadResult(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        megabytes=r["bytes"] / 1e6,
        errors={k: r[k] for k in ("connect", "read", "write", "status", "timeout")},
        p50_ms=r["p50_us"] / 1e3,
        p90_ms=r["p90_us"] / 1e3,
        p99_ms=r["p99_us"] / 1e3,
        max_ms=r["max_us"] / 1e3,
    )


def run_wrk(
    base: str,
    seconds: float,
    connections: int,
    direct: Sequence[str] = (),
    hot: Sequence[str] = _HOT_API,
    large: Sequence[str] = _LARGE_API,
) -> LoadResult:
    """wrk with two threads and the mix against base (or, given direct, against those workers' ports)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: scripts/ensure-system.sh installs it (apt-get)")
    with tempfile.TemporaryDirectory(prefix="bptt-load-") as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(lua_script(hot, large, direct))
        threads = max(2, len(direct))
        cmd = [wrk, f"-t{threads}", f"-c{max(connections, threads)}", f"-d{seconds:g}s", f"--timeout={TIMEOUT_S}s"]
        out = subprocess.run([*cmd, "-s", str(script), base], capture_output=True, text=True, check=True)
    return parse_wrk(out.stdout)


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
            return r.status, ""
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode(errors="replace")[:200]


def warm_up(workers: Sequence[str], paths: Sequence[str] = (*_HOT_API, *_LARGE_API)) -> list[str]:
    """Asks every worker for every fixed URL once (their in-memory caches fill); returns the paths answered 200.

    A path a worker refuses (a cost limit lower than the mix assumes) is reported and left out of the mix."""
    jobs = [(w, p) for p in paths for w in workers]
    with ThreadPoolExecutor(max(2, len(workers))) as pool:
        answers = list(pool.map(lambda job: _status(job[0] + job[1]), jobs))
    refused = {p: (code, text) for (_, p), (code, text) in zip(jobs, answers, strict=True) if code != 200}
    for path, (code, text) in refused.items():
        print(f"left out of the mix: {path} answered {code} {text}")
    return [p for p in paths if p not in refused]


def fixed_urls(answered: Sequence[str]) -> tuple[list[str], list[str]]:
    """The mix's hot and large URLs among those answered."""
    ok = set(answered)
    return [p for p in _HOT_API if p in ok], [p for p in _LARGE_API if p in ok]


def machine() -> str:
    """The load average beside the core count: other work on the machine shows here."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def latency_by_cache(entries: Sequence[dict[str, Any]]) -> str:
    """p50/p99 of nginx's request_time per cache verdict (pages and streams: '-')."""
    groups: dict[str, list[float]] = {}
    for e in entries:
        groups.setdefault(str(e.get("cache") or "-"), []).append(float(e["request_time"]) * 1e3)
    lines = []
    for name, times in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        times.sort()
        p50, p99 = times[len(times) // 2], times[min(len(times) - 1, int(0.99 * len(times)))]
        lines.append(f"{name:>8}: {len(times):6d} requests  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    return "\n".join(lines)


@dataclass(frozen=True)
class Burst:
    """Many clients asking for one URL nobody asked for before, all at once."""

    clients: int
    seconds: float  # until the last answer
    statuses: dict[int, int]
    computations: int  # how many times a worker computed it

    def describe(self, label: str) -> str:
        codes = ", ".join(f"{n} x {code}" for code, n in sorted(self.statuses.items()))
        return (
            f"{label:>28}: {self.clients} clients, computed {self.computations} time(s), last answer after "
            f"{self.seconds:.1f} s ({codes})"
        )


def _timed_get(url: str) -> tuple[int, str]:
    """Status and Server-Timing (the app says `compute;...` when it computed, `cache;...` when it had it)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
            return r.status, r.headers.get("Server-Timing", "")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, ""


def burst(bases: Sequence[str], path: str, clients: int, stack: Stack | None = None) -> Burst:
    """clients requests for path at once, spread over bases. Through nginx (stack given) its access log counts
    the computations (requests it passed to a worker); directly, the workers' Server-Timing says."""
    offset = stack.log_offset() if stack else 0
    barrier = threading.Barrier(clients)

    def one(i: int) -> tuple[int, str]:
        barrier.wait()
        return _timed_get(bases[i % len(bases)] + path)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(one, range(clients)))
    seconds = time.perf_counter() - t0
    if stack is not None:
        entries = [e for e in read_log(stack.access_log, offset) if e["uri"] == path]
        computations = sum(1 for e in entries if e["cache"] in ("MISS", "EXPIRED", "BYPASS"))
    else:
        computations = sum(1 for _, timing in answers if timing.startswith("compute"))
    return Burst(clients, seconds, dict(Counter(code for code, _ in answers)), computations)


def measure(stack: Stack, seconds: float, connections: int) -> tuple[LoadResult, LoadResult]:
    """The same mix against the workers directly, then through nginx; prints both and the cache's view."""
    hot, large = fixed_urls(warm_up(stack.workers))
    print(f"mix: {WEIGHTS} (per cent); {len(hot)} hot and {len(large)} large API URLs; {connections} connections")
    print(f"before: {machine()}")
    direct = run_wrk(stack.workers[0], seconds, connections, stack.workers, hot, large)
    print(direct.describe(f"(a) {len(stack.workers)} workers directly"), flush=True)
    print(f"   after (a): {machine()}")
    offset = stack.log_offset()
    proxied = run_wrk(stack.base, seconds, connections, (), hot, large)
    print(proxied.describe("(b) nginx + cache in front"))
    print(f"   after (b): {machine()}")
    entries = read_log(stack.access_log, offset)
    print(stack.cache_stats(offset).describe())
    print("nginx's request_time by cache verdict in (b) (- : pages, never cached):")
    print(latency_by_cache(entries))
    print(
        "closed loop: each connection sends its next request when the last is answered, so (b), answering hits "
        "at once, also sends more misses per second (10% of a higher rate) to the same workers"
    )
    print(f"a class opens one new link at once ({BURST_PATH}<new seed>):")
    print(burst(stack.workers, f"{BURST_PATH}{random.randrange(2**31)}", BURST_CLIENTS).describe("(a) directly"))
    print(burst([stack.base], f"{BURST_PATH}{random.randrange(2**31)}", BURST_CLIENTS, stack).describe("(b) nginx"))
    return direct, proxied


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.load", description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="length of each of the two runs (default 20)")
    p.add_argument("--connections", type=int, default=32, help="open connections (default 32)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn processes (default 2)")
    args = p.parse_args(argv)
    print("load generator (wrk), nginx and the workers share this machine's cores: numbers are a floor")
    with running_stack(args.workers) as stack:
        print(f"nginx {stack.base} in front of {', '.join(stack.workers)}", flush=True)
        direct, proxied = measure(stack, args.seconds, args.connections)
    print("stopped nginx and the workers")
    # Answers other than 2xx/3xx fail the run; timeouts (a client giving up after 10 s) are only reported.
    return 1 if direct.errors["status"] or proxied.errors["status"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
