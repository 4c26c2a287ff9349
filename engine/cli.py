"""Command line: `backprop-studio trace FILE [--gradcheck]` and `backprop-studio render …`.

A bad program prints one line, `line L, col C: what is wrong`, and exits with status 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .errors import ProgramError


def read_source(path: str) -> str:
    # utf-8-sig: a file saved "as UTF-8 with BOM" (Windows editors) reads like any other
    if path == "-":
        stdin = getattr(sys.stdin, "buffer", None)      # bytes, so the locale cannot change the text
        text = stdin.read().decode("utf-8") if stdin is not None else sys.stdin.read()
        return text.removeprefix("\ufeff")
    with open(path, encoding="utf-8-sig") as f:
        return f.read()


def cmd_trace(args: argparse.Namespace) -> int:
    from .gradcheck import gradcheck
    from .trace import trace

    t = trace(read_source(args.file))
    doc = t.to_dict()
    if args.gradcheck:
        doc["gradcheck"] = gradcheck(t)
    json.dump(doc, sys.stdout, ensure_ascii=False, allow_nan=False,
              indent=args.indent if args.indent and args.indent > 0 else None)
    sys.stdout.write("\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backprop-studio",
                                description="See backpropagation: computation graphs with every step recorded.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help="print the JSON trace of a program")
    t.add_argument("file", help="the program file, or - for standard input")
    t.add_argument("--gradcheck", action="store_true", help="add the numerical gradient check")
    t.add_argument("--indent", type=int, default=0, help="pretty-print with this indent")
    t.set_defaults(func=cmd_trace)
    try:
        from drawing.cli import add_render_command
    except ImportError:        # the renderer is optional for the trace command
        pass
    else:
        add_render_command(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
