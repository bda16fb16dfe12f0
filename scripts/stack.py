"""Debian's nginx with its cache (deploy/nginx.conf) in front of several uvicorn workers, on loopback.

    python -m scripts.stack              start nginx + 2 workers, run a short load through it, print the hit ratio
    python -m scripts.stack serve        start them and keep serving until Ctrl-C
    python -m scripts.stack render ...   print deploy/nginx.conf filled in for a real deployment

Everything nginx writes (pid, logs, temporary files, the cache) lives in one temporary directory, so it runs
without root; as root its worker processes run as nobody. `running_stack()` (scripts/nginx_stack.py) is the same
for tests.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from scripts import load
from scripts.nginx_stack import render, running_stack


def _render_main(args: argparse.Namespace) -> int:
    state = Path(args.state)
    print(render(args.listen, args.server, state, args.user), end="")
    return 0


def _serve_main(args: argparse.Namespace) -> int:
    with running_stack(args.workers) as s:
        print(f"nginx {s.base}/ in front of {', '.join(s.workers)}; files in {s.state}. Ctrl-C stops.", flush=True)
        with suppress(KeyboardInterrupt):
            signal.pause()
        print(s.cache_stats().describe())
    return 0


def _demo_main(args: argparse.Namespace) -> int:
    with running_stack(args.workers) as s:
        print(f"nginx {s.base}/ in front of {', '.join(s.workers)}", flush=True)
        offset = s.log_offset()
        hot, large = load.fixed_urls(load.warm_up([s.base]))  # each computed once, by one worker, for everyone
        result = load.run_wrk(s.base, args.seconds, args.connections, hot=hot, large=large)
        print(result.describe("through nginx"))
        print(s.cache_stats(offset).describe())
    print("stopped nginx and the workers")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.stack", description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=2, help="uvicorn processes behind nginx (default 2)")
    p.add_argument("--seconds", type=float, default=10.0, help="length of the load run (default 10)")
    p.add_argument("--connections", type=int, default=32, help="open connections of the load (default 32)")
    p.set_defaults(run=_demo_main)
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="start nginx and the workers and keep serving until Ctrl-C")
    serve.set_defaults(run=_serve_main)
    r = sub.add_parser("render", help="print deploy/nginx.conf with its fields filled in")
    r.add_argument("--listen", default="80", help="what nginx listens on, e.g. 80 or 0.0.0.0:8080")
    r.add_argument("--server", action="append", required=True, help="a worker's host:port (repeat for each worker)")
    r.add_argument("--state", default="/var/cache/bptt-explorer", help="directory for pid, logs, temp and cache")
    r.add_argument("--user", default="www-data", help="user (and group) of nginx's workers; empty when not root")
    r.set_defaults(run=_render_main)
    args = p.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
