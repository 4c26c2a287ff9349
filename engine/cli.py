"""Command line: `trace FILE [--gradcheck [--h H]] [--init I]`, and the frame other commands plug into.

The `backprop-studio` console script is this frame with `render` added by the package that
draws graphs. A bad program prints one line, `line L, col C: what is wrong`, and exits with
status 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from .errors import ProgramError
from .inits import INIT_NAMES
from .limits import GRADCHECK_H, GRADCHECK_H_MAX, GRADCHECK_H_MIN
from .source import read_source

# A command adds its subparser (with `func` as its handler) to the CLI's subcommands.
AddCommand = Callable[["argparse._SubParsersAction"], object]


def cmd_trace(args: argparse.Namespace) -> int:
    from .gradcheck import check_h, gradcheck
    from .trace import trace

    h = GRADCHECK_H
    if args.h is not None:
        try:
            h = check_h(args.h)
        except ValueError as e:
            print(f"--{e}", file=sys.stderr)
            return 2
        if not args.gradcheck:
            print("--h is the step of the gradient check: give it with --gradcheck", file=sys.stderr)
            return 2
    t = trace(read_source(args.file), args.init)
    doc = t.to_dict()
    if args.gradcheck:
        doc["gradcheck"] = gradcheck(t, h)
    json.dump(doc, sys.stdout, ensure_ascii=False, allow_nan=False,
              indent=args.indent if args.indent and args.indent > 0 else None)
    sys.stdout.write("\n")
    return 0


def _number(text: str) -> float | str:
    """A float, or the text itself for `cmd_trace` to refuse in one line."""
    try:
        return float(text)
    except ValueError:
        return text


def parser(*more: AddCommand) -> argparse.ArgumentParser:
    """The `backprop-studio` parser: `trace`, then each command of ``more``."""
    p = argparse.ArgumentParser(prog="backprop-studio",
                                description="See backpropagation: computation graphs with every step recorded.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help="print the JSON trace of a program")
    t.add_argument("file", help="the program file, or - for standard input")
    t.add_argument("--gradcheck", action="store_true", help="add the numerical gradient check")
    t.add_argument("--h", type=_number, default=None, metavar="H",
                   help=f"the gradient check's step (default {GRADCHECK_H:g}; "
                        f"{GRADCHECK_H_MIN:g} to {GRADCHECK_H_MAX:g})")
    t.add_argument("--init", choices=INIT_NAMES, default=None,
                   help="redraw every weight matrix (made by randn, xavier, kaiming or zeros) with this "
                        "initialization: naive (randn, scale 1), xavier, he (kaiming) or zeros")
    t.add_argument("--indent", type=int, default=0, help="pretty-print with this indent")
    t.set_defaults(func=cmd_trace)
    for add in more:
        add(sub)
    return p


def run(p: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` with ``p`` and run the chosen command; every failure is one line on stderr."""
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except ProgramError as e:
        print(str(e), file=sys.stderr)
        return 1
    except BrokenPipeError:          # e.g. piped into head
        return 0
    except OSError as e:
        print(f"cannot read {getattr(e, 'filename', None) or args.file}: {e.strerror or e}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"cannot read {args.file}: it is not UTF-8 text", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """The engine's commands alone (`python -m engine.cli trace FILE`)."""
    return run(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
