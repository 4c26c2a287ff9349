"""The `backprop-studio` command line: the engine's commands plus `render` and `walkthrough`.

`backprop-studio render FILE -o out.svg|png|pdf|dot [--step K] [--direction LR|TB] [--unroll]` writes the
graph as a file; `backprop-studio walkthrough FILE -o out.pdf|pptx|gif|mp4|html [--from K]
[--to K] [--frame-ms N] [--lang en|ko]` writes every step of a range, one page (slide, frame) per step.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Sequence

from engine import cli as engine_cli
from engine.i18n import DEFAULT_LANG, LANGS
from engine.source import read_source

from .errors import FRAME_MS, MAX_RENDER_NODES, RenderError, StepOutOfRange
from .export import FORMATS, render
from .walkthrough import WALKTHROUGH_FORMATS, told_in, walkthrough


def format_of(output: str, formats) -> str | None:
    """The format an output file's extension names, or None (after saying so in one line)."""
    fmt = os.path.splitext(output)[1].lstrip(".").lower()
    if fmt in formats:
        return fmt
    print(f"cannot tell the format from {output!r}: end it in " + ", ".join("." + f for f in formats),
          file=sys.stderr)
    return None


def write_file(output: str, make: Callable[[], bytes]) -> int:
    """Write what `make` gives to `output`; a drawing that cannot be made is one line, status 1."""
    try:
        data = make()
    except (RenderError, StepOutOfRange) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    with open(output, "wb") as f:
        f.write(data)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Trace FILE and write the graph after --step steps to -o (format from its extension).

    A bad program raises ProgramError for the caller to print as one line; every other
    problem is printed here as one line with a non-zero status.
    """
    from engine.trace import trace

    fmt = format_of(args.output, FORMATS)
    if fmt is None:
        return 2
    if args.unroll:
        from engine.unroll import unroll
        doc = unroll(read_source(args.file)).to_dict()
    else:
        doc = trace(read_source(args.file)).to_dict()
    return write_file(args.output, lambda: render(doc, fmt, args.step, direction=args.direction, level=args.level))


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
    p.add_argument("--level", choices=["auto", "nodes", "statements"], default="auto",
                   help="one box per node, or per statement of the program (collapsed); default: "
                        f"per node up to {MAX_RENDER_NODES} nodes, else per statement")
    p.set_defaults(func=cmd_render)
    return p


def cmd_walkthrough(args: argparse.Namespace) -> int:
    """Trace FILE and write steps --from..--to to -o, one page (slide, frame) per step."""
    from engine.trace import trace

    fmt = format_of(args.output, WALKTHROUGH_FORMATS)
    if fmt is None:
        return 2
    lang = args.lang
    doc = told_in(trace(read_source(args.file)), lang)
    # No time limit here: the command runs as long as the range takes.
    return write_file(args.output, lambda: walkthrough(doc, fmt, args.first, args.last, args.frame_ms,
                                                       args.direction, time_limit=float("inf"), lang=lang))


def add_walkthrough_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `walkthrough` to a CLI's subcommands (its handler is `args.func`)."""
    p = subparsers.add_parser(
        "walkthrough", help="every step as PDF pages, PPTX slides, a GIF, an MP4 or an HTML player",
        description="Write the steps of FILE from --from to --to (default: all, from 0, nothing "
                    "computed) as one page, slide or frame per step: the graph on its fixed "
                    "layout with the current node highlighted, and what the node panel says. "
                    "The format comes from the output's extension; MP4 needs ffmpeg.",
        conflict_handler="resolve")         # the frame may give every command its --lang: it wins
    p.add_argument("file", help="the program file, or - for standard input")
    p.add_argument("-o", "--output", required=True,
                   help="out.pdf, out.pptx, out.gif, out.mp4 or out.html")
    p.add_argument("--from", dest="first", type=int, default=0, metavar="K",
                   help="the first step (default 0: nothing computed yet)")
    p.add_argument("--to", dest="last", type=int, default=None, metavar="K",
                   help="the last step, included (default: the last)")
    p.add_argument("--frame-ms", type=int, default=FRAME_MS, metavar="N",
                   help=f"how long each GIF or MP4 frame shows, in milliseconds (default {FRAME_MS})")
    p.add_argument("--direction", choices=["auto", "LR", "TB"], default="auto",
                   help="lay the graph out left to right (LR) or top to bottom (TB); default: "
                        "chosen from the graph's shape")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG,
                   help="the language of the pages' texts (default en)")
    p.set_defaults(func=cmd_walkthrough)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """The `backprop-studio` console script (also `python -m drawing.cli`)."""
    return engine_cli.run(engine_cli.parser(add_render_command, add_walkthrough_command), argv)


if __name__ == "__main__":
    sys.exit(main())
