"""`backprop-studio render FILE -o out.svg|png|pdf|dot [--step K]`: the graph as a file."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from . import render as renderer
from engine.errors import ProgramError


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_render(args: argparse.Namespace) -> int:
    """Trace FILE and write the graph after --step steps to -o (format from its extension).

    A bad program raises ProgramError for the caller to print as one line; every other
    problem is printed here as one line with a non-zero status.
    """
    from engine.trace import trace

    fmt = os.path.splitext(args.output)[1].lstrip(".").lower()
    if fmt not in renderer.FORMATS:
        print(f"cannot tell the format from {args.output!r}: end it in "
              + ", ".join("." + f for f in renderer.FORMATS), file=sys.stderr)
        return 2
    doc = trace(_read(args.file)).to_dict()
    try:
        data = renderer.render(doc, fmt, args.step)
    except (renderer.RenderError, renderer.StepOutOfRange) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(data)
    return 0


def add_render_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `render` to a CLI's subcommands (its handler is `args.func`)."""
    p = subparsers.add_parser(
        "render", help="draw the graph of a program as SVG, PNG, PDF or DOT",
        description="Draw the computation graph of FILE after K steps (default: fully computed). "
                    "The format comes from the output's extension. Node positions are the same "
                    "at every step.")
    p.add_argument("file", help="the program file, or - for standard input")
    p.add_argument("-o", "--output", required=True, help="out.svg, out.png, out.pdf or out.dot")
    p.add_argument("--step", type=int, default=None,
                   help="draw after this many steps (0: nothing computed yet)")
    p.set_defaults(func=run_render)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (`python -m drawing.cli render FILE -o OUT`)."""
    parser = argparse.ArgumentParser(prog="backprop-studio")
    add_render_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ProgramError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
