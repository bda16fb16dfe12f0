"""The `bptt-explorer` command: `serve` runs the explorer, `export` writes a view as one offline HTML file."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Sequence
from types import FrameType


def _clean_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.service.settings import settings

    s = settings()
    # uvicorn drains on SIGTERM, then raises the signal again for whatever handler was there before it: after a
    # graceful shutdown that is a clean exit (status 0), as is a SIGTERM that arrives before the server is up.
    signal.signal(signal.SIGTERM, _clean_exit)
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=not s.access_log,  # our JSON lines (app/service/logs.py) say it with request ids
        timeout_graceful_shutdown=s.graceful_shutdown_s,
    )
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per task."""
    p = argparse.ArgumentParser(prog="bptt-explorer", description="Vanishing and exploding gradients, explored.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the explorer's web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=None, help="uvicorn worker processes (default: $WEB_CONCURRENCY, else 1)"
    )
    serve.set_defaults(run=_serve)
    export = sub.add_parser("export", help="write the recurrent or scalar view as one HTML file that works offline")
    export.add_argument(
        "target",
        metavar="URL_OR_STORY",
        help="a state path ('/?model=lstm&steps=200', '/scalar?weight=3.9') or a story (c3)",
    )
    export.add_argument("-o", "--output", required=True, help="the HTML file to write")
    export.add_argument("--sliders", help="one or two sliders to keep live, e.g. scale,steps (default: the main one)")
    export.add_argument("--lang", choices=("en", "zh"), help="language of the file (default: the URL's)")
    export.add_argument(
        "--points", type=int, help="values per slider (default: its whole grid, or 9 each for two; shrunk to fit 8 MB)"
    )
    export.set_defaults(run=_export)
    return p


def _export(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from threadpoolctl import threadpool_limits

    from app.export.file import export
    from app.export.plan import ExportError
    from app.service.settings import settings

    try:
        # The server's BLAS threads (one by default): more spin against each other on a busy machine and make
        # the cost models' estimates wrong by orders of magnitude.
        with threadpool_limits(limits=settings().blas_threads, user_api="blas"):
            html = export(args.target, args.sliders, args.lang, args.points)
    except ExportError as exc:
        print(f"bptt-explorer export: {exc}", file=sys.stderr)
        return 2
    Path(args.output).write_text(html, encoding="utf-8")
    print(f"{args.output}: {len(html.encode()) / 1e6:.2f} MB")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the installed `bptt-explorer` script."""
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
