"""The `backprop-studio` command line: the engine's commands plus `render`.

`backprop-studio render FILE -o out.svg|png|pdf|dot [--step K] [--direction LR|TB] [--unroll]` writes the
graph as a file.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from engine import cli as engine_cli
from engine.source import read_source

from .errors import RenderError, StepOutOfRange
from .export import FORMATS, render


def cmd_render(args: argparse.Namespace) -> int:
    """Trace FILE and write the graph after --step steps to -o (format from its extension).

    A bad program raises ProgramError for the caller to print as one line; every other
    problem is printed here as one line with a non-zero status.
    """
    from engine.trace import trace

    fmt = os.path.splitext(args.output)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        print(f"cannot tell the format from {args.output!r}: end it in "
              + ", ".join("." + f for f in FORMATS), file=sys.stderr)
        return 2
    if args.unroll:
        from engine.unroll import unroll
        doc = unroll(read_source(args.file)).to_dict()
    else:
        doc = trace(read_source(args.file)).to_dict()
    try:
        data = render(doc, fmt, args.step, direction=args.direction)
    except (RenderError, StepOutOfRange) as exc:
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
    p.add_argument("--direction", choices=["auto", "LR", "TB"], default="auto",
                   help="lay the graph out left to right (LR) or top to bottom (TB); default: "
                        "chosen from the graph's shape")
    p.add_argument("--unroll", action="store_true",
                   help="draw the program's scalar graph (one node per scalar operation of its tensors)")
    p.set_defaults(func=cmd_render)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The `backprop-studio` console script (also `python -m drawing.cli`)."""
    return engine_cli.run(engine_cli.parser(add_render_command), argv)


if __name__ == "__main__":
    sys.exit(main())
