"""The `bptt-explorer` command: `serve` runs the explorer."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers)
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per task."""
    p = argparse.ArgumentParser(prog="bptt-explorer", description="Vanishing and exploding gradients, explored.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the explorer's web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(run=_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the installed `bptt-explorer` script."""
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
