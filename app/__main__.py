"""`python -m app`: serve Backprop Studio on 127.0.0.1 and print its address."""
from __future__ import annotations

import argparse

import uvicorn

import drawing as renderer

from .limits import settings


def main(argv: list[str] | None = None) -> None:
    """Start the server (loopback only unless --host says otherwise)."""
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    print(f"Backprop Studio: open http://{args.host}:{args.port}/ in your browser", flush=True)
    if not renderer.graphviz_available():
        print("warning: " + renderer.INSTALL_HINT, flush=True)
    uvicorn.run("app.main:app", host=args.host, port=args.port,
                limit_concurrency=settings().max_connections)   # beyond: 503 at once


if __name__ == "__main__":
    main()
