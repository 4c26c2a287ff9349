"""`python -m app`: serve Backprop Studio on 127.0.0.1 and print its address."""
from __future__ import annotations

import argparse

import drawing as renderer

from .server import serve


def main(argv: list[str] | None = None) -> None:
    """Start the server (loopback only unless --host says otherwise)."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="warning",
                        choices=["critical", "error", "warning", "info", "debug", "trace"])
    args = parser.parse_args(argv)
    print(f"Backprop Studio is running at http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    if not renderer.graphviz_available():
        print("warning: " + renderer.INSTALL_HINT, flush=True)
    serve(args.host, args.port, log_level=args.log_level)   # limits: app/limits.py, BACKPROP_*


if __name__ == "__main__":
    main()
